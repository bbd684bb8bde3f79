import GatehouseJSON

/// Every input field of every endpoint is declared up front as one of these
/// (kcgi's idea): where it comes from, whether it is required, its length
/// limits, whether it is a secret that must never be echoed back.
package struct FieldRule: Sendable {
    package enum Source: Sendable { case body, query, queryOrBody }

    package let name: String
    package let source: Source
    package let required: Bool
    package let minLength: Int?
    package let maxLength: Int
    package let secret: Bool

    package init(_ name: String, from source: Source = .body, required: Bool = true, minLength: Int? = nil,
                maxLength: Int = 1024, secret: Bool = false) {
        self.name = name
        self.source = source
        self.required = required
        self.minLength = minLength
        self.maxLength = maxLength
        self.secret = secret
    }
}

package struct ValidFields: Sendable {
    package let values: [String: String]
    package subscript(name: String) -> String? { values[name] }
}

package enum FieldValidator {
    package static let redacted: JSONValue = .string("[redacted]")

    /// Pure: the decoded body, the query and the rules in; the values or
    /// every problem (as pydantic reports all of them) out.
    package static func validate(_ body: JSONValue?, query: [(String, String)], rules: [FieldRule]) throws(HTTPError) -> ValidFields {
        let bodyRules = rules.filter { $0.source != .query }
        var issues: [ValidationIssue] = []
        var values: [String: String] = [:]
        var members: [(String, JSONValue)]? = nil
        switch body {
        case .object(let m)?: members = m
        case nil:
            if bodyRules.contains(where: { $0.required && $0.source == .body }) {
                throw .validation([ValidationIssue(type: "missing", loc: [.string("body")], msg: "Field required", input: .null)])
            }
        case let other?:
            if !bodyRules.isEmpty {
                throw .validation([ValidationIssue(type: "model_attributes_type", loc: [.string("body")],
                                                 msg: "Input should be a valid dictionary or object to extract fields from",
                                                 input: redact(other, rules))])
            }
        }
        let echoed = JSONValue.object((members ?? []).map { k, v in (k, redact(v, rules, key: k)) })
        for rule in rules {
            var raw: JSONValue? = nil
            var loc = "body"
            if rule.source != .body, let q = query.last(where: { $0.0 == rule.name }) {
                raw = .string(q.1)
                loc = "query"
                // Given in both places, the query's value is used; a body
                // that says otherwise would be silently ignored, so it is
                // refused instead.
                if rule.source == .queryOrBody, let b = members?.last(where: { $0.0 == rule.name })?.1, b != .string(q.1) {
                    issues.append(ValidationIssue(type: "value_error", loc: [.string("body"), .string(rule.name)],
                                                  msg: "Value error, differs from the query string's \(rule.name)",
                                                  input: rule.secret ? redacted : b))
                    continue
                }
            } else if rule.source != .query {
                raw = members?.last(where: { $0.0 == rule.name })?.1
            }
            if rule.source == .query { loc = "query" }
            let l: [JSONValue] = [.string(loc), .string(rule.name)]
            guard let raw, raw != .null || !rule.required else {
                if rule.required {
                    issues.append(ValidationIssue(type: "missing", loc: l, msg: "Field required",
                                                  input: loc == "query" ? .null : echoed))
                }
                continue
            }
            guard case .string(let s) = raw else {
                if raw == .null { continue }
                issues.append(ValidationIssue(type: "string_type", loc: l, msg: "Input should be a valid string",
                                              input: rule.secret ? redacted : raw))
                continue
            }
            let shown: JSONValue = rule.secret ? redacted : .string(s)
            if s.unicodeScalars.contains(where: { $0.value == 0 }) {
                issues.append(ValidationIssue(type: "value_error", loc: l, msg: "Value error, must not contain NUL characters",
                                              input: shown))
                continue
            }
            // Lengths count code points after NFC, as the password policy does.
            let length = String(decoding: s._nfcCodeUnits, as: UTF8.self).unicodeScalars.count
            if let min = rule.minLength, length < min {
                issues.append(ValidationIssue(type: "string_too_short", loc: l,
                                              msg: "String should have at least \(min) character\(min == 1 ? "" : "s")",
                                              input: shown, ctx: [("min_length", .int(min))]))
                continue
            }
            if length > rule.maxLength {
                issues.append(ValidationIssue(type: "string_too_long", loc: l,
                                              msg: "String should have at most \(rule.maxLength) character\(rule.maxLength == 1 ? "" : "s")",
                                              input: shown, ctx: [("max_length", .int(rule.maxLength))]))
                continue
            }
            values[rule.name] = s
        }
        if !issues.isEmpty { throw .validation(issues) }
        return ValidFields(values: values)
    }

    static func redact(_ value: JSONValue, _ rules: [FieldRule], key: String? = nil) -> JSONValue {
        if let key, rules.contains(where: { $0.name == key && $0.secret }) { return redacted }
        switch value {
        case .object(let m): return .object(m.map { k, v in (k, redact(v, rules, key: k)) })
        case .array(let a): return .array(a.map { redact($0, rules) })
        default: return value
        }
    }
}
