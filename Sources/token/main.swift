import GatehouseEndpoints
import GatehouseResponder

ResponderMain.run(TokenEndpoint())
