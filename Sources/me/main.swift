import GatehouseEndpoints
import GatehouseResponder

ResponderMain.run(MeEndpoint())
