import GatehouseEndpoints
import GatehouseResponder

/// `verify`: forward auth: the web server asks it before serving a protected location.
package let responder = ResponderEntry("verify", VerifyEndpoint())
