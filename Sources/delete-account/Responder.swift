import GatehouseEndpoints
import GatehouseResponder

/// `delete-account`: leaving, and the restore within the grace.
package let responder = ResponderEntry("delete-account", DeleteAccountEndpoint())
