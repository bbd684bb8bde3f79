import GatehouseEndpoints

ResponderMain.run(LogoutEndpoint())
