import GatehouseEndpoints
import GatehouseResponder

/// `me`: the signed-in account, for a bearer token or the session cookie.
package let responder = ResponderEntry("me", MeEndpoint())
