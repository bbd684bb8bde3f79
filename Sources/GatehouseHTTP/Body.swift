import GatehouseJSON
import GatehouseSystem

/// How the request body was sent; decides content negotiation too.
package enum BodyEncoding: Equatable, Sendable {
    case none, json, form
}

public struct DecodedBody: Sendable {
    package let encoding: BodyEncoding
    /// The body as a JSON value; a form becomes an object of strings. nil
    /// when there was no body.
    package let value: JSONValue?

    package init(encoding: BodyEncoding, value: JSONValue?) {
        self.encoding = encoding
        self.value = value
    }
}

public enum BodyDecoder {
    /// JSON (`application/json` or any `+json`, as the original accepted) or
    /// a urlencoded form; anything else with a body is 415. Malformed JSON is
    /// pydantic's `json_invalid` 422, position and message as Python's.
    public static func decode(_ request: Request, limit: Int) throws(HTTPError) -> DecodedBody {
        if request.bodyTooLarge || request.body.count > limit { throw .tooLarge(limit) }
        let media = request.mediaType
        let isJSON = media == "application/json" || (media?.hasPrefix("application/") == true && media?.hasSuffix("+json") == true)
        let isForm = media == "application/x-www-form-urlencoded"
        if request.body.isEmpty {
            return DecodedBody(encoding: isForm ? .form : (isJSON ? .json : .none), value: nil)
        }
        if isJSON {
            do {
                return DecodedBody(encoding: .json, value: try JSONParser.parse(request.body))
            } catch {
                throw .validation([ValidationIssue(type: "json_invalid", loc: [.string("body"), .int(error.position)],
                                                   msg: "JSON decode error", input: .object([]),
                                                   ctx: [("error", .string(error.message))])])
            }
        }
        if isForm {
            guard let pairs = FormDecoding.decode(request.body) else {
                throw .validation([ValidationIssue(type: "value_error", loc: [.string("body")],
                                                   msg: "Value error, the form body is not valid UTF-8 urlencoded data",
                                                   input: .null)])
            }
            // Last occurrence wins, as for duplicate JSON keys.
            var members: [(String, JSONValue)] = []
            for (k, v) in pairs {
                members.removeAll { $0.0 == k }
                members.append((k, .string(v)))
            }
            return DecodedBody(encoding: .form, value: .object(members))
        }
        throw .unsupportedMediaType
    }
}
