import GatehouseEndpoints
import GatehouseResponder

/// `reauth`: the password (and second factor) again, for the step-up window.
package let responder = ResponderEntry("reauth", ReauthEndpoint())
