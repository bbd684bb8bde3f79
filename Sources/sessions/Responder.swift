import GatehouseEndpoints
import GatehouseResponder

/// `sessions`: the person's own sessions, and ending one or all the others.
package let responder = ResponderEntry("sessions", SessionsEndpoint())
