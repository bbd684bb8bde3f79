import GatehouseEndpoints
import GatehouseResponder

/// `change-email`: a new address for the account, and the old address's undo.
package let responder = ResponderEntry("change-email", ChangeEmailEndpoint())
