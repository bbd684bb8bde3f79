import GatehouseEndpoints
import GatehouseResponder

/// `signup`: self-service sign-up (when the site has it).
package let responder = ResponderEntry("signup", SignupEndpoint())
