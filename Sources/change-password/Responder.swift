import GatehouseEndpoints
import GatehouseResponder

/// `change-password`: a new password, with the old one or a reset grant.
package let responder = ResponderEntry("change-password", ChangePasswordEndpoint())
