import GatehouseEndpoints
import GatehouseResponder

/// `mfa`: the second factor: the second step of a browser's sign-in, and enrolling, removing and new recovery codes.
package let responder = ResponderEntry("mfa", MFAEndpoint())
