import GatehouseEndpoints
import GatehouseResponder

/// `token`: sign-in: the OAuth 2.0 password grant, the sign-in page and the reset grant.
package let responder = ResponderEntry("token", TokenEndpoint())
