import GatehouseEndpoints
import GatehouseResponder

ResponderMain.run(VerifyOTPEndpoint())
