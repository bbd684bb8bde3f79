import GatehouseEndpoints
import GatehouseResponder

/// `send-otp`: mails a one-time code.
package let responder = ResponderEntry("send-otp", SendOTPEndpoint())
