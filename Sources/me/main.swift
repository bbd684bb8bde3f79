import GatehouseEndpoints

ResponderMain.run(MeEndpoint())
