import GatehouseEndpoints
import GatehouseResponder

ResponderMain.run(VerifyEndpoint())
