/// What can go wrong in an endpoint around the core, in the endpoints' own
/// terms. Endpoints throw these (and the core's `AccountError`); only
/// `ErrorResponses` decides their status and body.
package enum RequestError: Error, Equatable, Sendable {
    /// No usable bearer token or session cookie.
    case notAuthenticated
    /// A browser post from another site (Origin, Referer, Sec-Fetch-Site).
    case crossOrigin
    /// A cookie-authenticated post without the CSRF token of its session.
    case csrf
    case passwordsDiffer
    /// The client sent less than its Content-Length.
    case bodyCutShort
    /// `email` is not an address; `location` is "query" or "body".
    case invalidEmail(raw: String, location: String, reason: String, field: String = "email")
    case invalidPurpose(raw: String)
    /// send-otp with no address and no session.
    case missingEmail
    /// /token: a missing or malformed parameter (RFC 6749 invalid_request).
    case invalidTokenRequest(String)
    case unsupportedGrantType
    /// A browser page that needs a session, without one: to the sign-in
    /// form, clearing a dead session cookie.
    case signInFirst(clearCookie: Bool)
}

/// How an endpoint's errors look on the wire: FastAPI's `{"detail": …}`,
/// or OAuth 2.0's `{"error": …}` (RFC 6749 §5.2) for /token.
package enum ErrorDialect: Sendable {
    case fastAPI, oauth2
}
