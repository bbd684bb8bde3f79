import GatehouseCore
import GatehouseHTTP
import GatehouseJSON

/// The `email` and `purpose` fields, checked as pydantic's EmailStr and
/// enum did (ErrorResponses gives them pydantic's 422 shape).
enum EmailField {
    static func parse(_ raw: String, in location: String, field: String = "email") throws -> EmailAddress {
        switch EmailAddress.parse(raw) {
        case .success(let email): return email
        case .failure(let problem):
            throw RequestError.invalidEmail(raw: raw, location: location, reason: problem.reason, field: field)
        }
    }

    /// Where the value came from, for `loc`: the query (as the original
    /// took it) unless only the body had it.
    static func location(_ ctx: RequestContext) -> String {
        ctx.request.queryValue("email") != nil ? "query" : "body"
    }

    /// The address a link asks a form to be filled in with: only a
    /// well-formed one, so a link cannot put arbitrary words in the field.
    static func prefill(_ ctx: RequestContext) -> String? {
        ctx.request.queryValue("email").flatMap { try? EmailAddress.parse($0).get().description }
    }

    static func purpose(_ raw: String?, default fallback: CodePurpose) throws -> CodePurpose {
        guard let raw, !raw.isEmpty else { return fallback }
        guard let p = CodePurpose(rawValue: raw) else {
            throw RequestError.invalidPurpose(raw: raw)
        }
        return p
    }
}
