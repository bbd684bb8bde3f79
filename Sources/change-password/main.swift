import GatehouseEndpoints
import GatehouseResponder

ResponderMain.run(ChangePasswordEndpoint())
