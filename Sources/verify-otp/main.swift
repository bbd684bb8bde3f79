import GatehouseEndpoints

ResponderMain.run(VerifyOTPEndpoint())
