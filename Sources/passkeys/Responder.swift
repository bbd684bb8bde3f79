import GatehouseEndpoints
import GatehouseResponder

/// `passkeys`: registering, listing and removing passkeys, and signing in with one.
package let responder = ResponderEntry("passkeys", PasskeysEndpoint())
