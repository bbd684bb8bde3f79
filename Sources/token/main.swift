import GatehouseEndpoints

ResponderMain.run(TokenEndpoint())
