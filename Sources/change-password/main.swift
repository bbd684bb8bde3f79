import GatehouseEndpoints

ResponderMain.run(ChangePasswordEndpoint())
