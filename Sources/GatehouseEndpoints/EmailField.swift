import GatehouseCore
import GatehouseHTTP
import GatehouseJSON

/// The `email` field as pydantic's EmailStr reported it: a 422 value_error
/// whose message carries email-validator's reason.
enum EmailField {
    static func parse(_ raw: String, in location: String) throws -> EmailAddress {
        switch EmailAddress.parse(raw) {
        case .success(let email): return email
        case .failure(let problem):
            throw HTTPError.validation([ValidationIssue(
                type: "value_error", loc: [.string(location), .string("email")],
                msg: "value is not a valid email address: \(problem.reason)", input: .string(raw),
                ctx: [("reason", .string(problem.reason))])])
        }
    }

    /// Where the value came from, for `loc`: the query (as the original
    /// took it) unless only the body had it.
    static func location(_ ctx: RequestContext) -> String {
        ctx.request.queryValue("email") != nil ? "query" : "body"
    }

    static func purpose(_ raw: String?, default fallback: CodePurpose) throws -> CodePurpose {
        guard let raw, !raw.isEmpty else { return fallback }
        guard let p = CodePurpose(rawValue: raw) else {
            throw HTTPError.validation([ValidationIssue(
                type: "enum", loc: [.string("body"), .string("purpose")],
                msg: "Input should be 'verify', 'reset' or 'login'", input: .string(raw),
                ctx: [("expected", .string("'verify', 'reset' or 'login'"))])])
        }
        return p
    }
}
