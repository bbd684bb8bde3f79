import GatehouseEndpoints
import GatehouseResponder

ResponderMain.run(OpenAPIEndpoint())
