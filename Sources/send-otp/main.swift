import GatehouseEndpoints
import GatehouseResponder

ResponderMain.run(SendOTPEndpoint())
