import GatehouseEndpoints
import GatehouseResponder

/// `logout`: sign-out: ends the session or revokes the bearer token.
package let responder = ResponderEntry("logout", LogoutEndpoint())
