import GatehouseEndpoints

ResponderMain.run(SendOTPEndpoint())
