import GatehouseJSON

/// An error that knows its response. `ErrorResponses` (the endpoints') turns
/// these, the request errors, the account errors and an unreachable store
/// into answers; anything else becomes a bare 500 there (no detail leaked).
public struct HTTPError: Error, Sendable {
    /// The JSON answer, exactly as JSON clients get it.
    package let response: Response
    /// For HTML re-rendering: what went wrong, per field where known.
    package let issues: [ValidationIssue]
    package let message: String

    package init(_ response: Response, message: String, issues: [ValidationIssue] = []) {
        self.response = response
        self.message = message
        self.issues = issues
    }

    package var status: Int { response.status }

    package static func detail(_ status: Int, _ message: String, headers: [(String, String)] = []) -> HTTPError {
        HTTPError(.detail(status, message, headers: headers), message: message)
    }

    /// RFC 6750 §3: a missing or bad bearer token gets 401 with this header.
    package static let notAuthenticated = detail(401, "Not authenticated", headers: [("WWW-Authenticate", "Bearer")])

    package static func methodNotAllowed(_ allow: [String]) -> HTTPError {
        detail(405, "Method Not Allowed", headers: [("Allow", allow.joined(separator: ", "))])
    }

    package static let notFound = detail(404, "Not Found")

    package static func tooLarge(_ limit: Int) -> HTTPError {
        HTTPError(.detail(413, "Request body is larger than \(limit) bytes"), message: "Request body is too large")
    }

    package static let unsupportedMediaType = detail(
        415, "Unsupported media type: send application/json or application/x-www-form-urlencoded")

    package static func tooManyRequests(_ message: String, retryAfter: Int) -> HTTPError {
        detail(429, message, headers: [("Retry-After", String(max(1, retryAfter)))])
    }

    /// 422 in pydantic's shape.
    package static func validation(_ issues: [ValidationIssue]) -> HTTPError {
        HTTPError(.json(422, .object([("detail", .array(issues.map(\.json)))])),
                  message: "Please correct the marked fields.", issues: issues)
    }

    package static let malformedQuery = validation([
        ValidationIssue(type: "value_error", loc: [.string("query")],
                        msg: "Value error, the query string is not valid UTF-8 urlencoded data", input: .null),
    ])

    /// RFC 6749 §5.2 error body for the token endpoint.
    package static func oauth(_ error: String, _ description: String, status: Int = 400) -> HTTPError {
        HTTPError(.json(status, .object([("error", .string(error)), ("error_description", .string(description))]),
                        headers: [("Pragma", "no-cache")]), message: description)
    }
}

/// One entry of a pydantic validation error list.
package struct ValidationIssue: Equatable, Sendable {
    package var type: String
    package var loc: [JSONValue]
    package var msg: String
    package var input: JSONValue
    package var ctx: [(String, JSONValue)]?

    package init(type: String, loc: [JSONValue], msg: String, input: JSONValue, ctx: [(String, JSONValue)]? = nil) {
        self.type = type
        self.loc = loc
        self.msg = msg
        self.input = input
        self.ctx = ctx
    }

    package static func == (a: ValidationIssue, b: ValidationIssue) -> Bool { a.json == b.json }

    /// The field a person should look at (last string in `loc`).
    package var field: String? {
        for case .string(let s) in loc.reversed() { return s }
        return nil
    }

    package var json: JSONValue {
        var members: [(String, JSONValue)] = [("type", .string(type)), ("loc", .array(loc)), ("msg", .string(msg)), ("input", input)]
        if let ctx { members.append(("ctx", .object(ctx))) }
        return .object(members)
    }
}
