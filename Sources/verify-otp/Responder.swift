import GatehouseEndpoints
import GatehouseResponder

/// `verify-otp`: checks a one-time code and redeems it.
package let responder = ResponderEntry("verify-otp", VerifyOTPEndpoint())
