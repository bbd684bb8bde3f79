import GatehouseEndpoints
import GatehouseResponder

ResponderMain.run(LogoutEndpoint())
