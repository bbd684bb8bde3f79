/// The Mustache subset the mail and page templates use: `{{name}}`
/// (escaped by the caller's escaper), `{{{name}}}` or `{{&name}}` (as is),
/// and sections `{{#name}}…{{/name}}` (shown when the value is non-empty)
/// and `{{^name}}…{{/name}}` (shown when it is empty). Templates stay valid
/// Mustache, so a site owner's tools read them as such. Pure: no I/O.
public struct Template: Sendable {
    enum Node: Sendable {
        case text(String)
        case variable(String)
        case raw(String)
        case section(String, inverted: Bool, [Node])
    }

    let nodes: [Node]

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    public init(_ source: String) throws(ParseError) {
        var rest = Substring(source)
        nodes = try Template.parse(&rest, closing: nil)
    }

    static func parse(_ rest: inout Substring, closing: String?) throws(ParseError) -> [Node] {
        var nodes = [Node]()
        while !rest.isEmpty {
            guard let open = find("{{", in: rest) else {
                nodes.append(.text(String(rest)))
                rest = rest[rest.endIndex...]
                break
            }
            if open.lowerBound > rest.startIndex { nodes.append(.text(String(rest[..<open.lowerBound]))) }
            let triple = rest[open.upperBound...].hasPrefix("{")
            guard let close = find(triple ? "}}}" : "}}", in: rest[open.upperBound...]) else {
                throw ParseError(description: "unclosed {{")
            }
            var tag = rest[open.upperBound..<close.lowerBound].filter { $0 != " " }
            rest = rest[close.upperBound...]
            if triple {
                tag.removeFirst()
                nodes.append(.raw(String(tag)))
                continue
            }
            switch tag.first {
            case "#", "^":
                let name = String(tag.dropFirst())
                // A section tag alone on its line takes its newline with it.
                if rest.hasPrefix("\n") { rest = rest.dropFirst() }
                nodes.append(.section(name, inverted: tag.first == "^", try parse(&rest, closing: name)))
            case "/":
                guard String(tag.dropFirst()) == closing else {
                    throw ParseError(description: "unexpected {{/\(tag.dropFirst())}}")
                }
                if rest.hasPrefix("\n") { rest = rest.dropFirst() }
                return nodes
            case "!":
                continue
            case "&":
                nodes.append(.raw(String(tag.dropFirst())))
            default:
                nodes.append(.variable(String(tag)))
            }
        }
        if let closing { throw ParseError(description: "{{#\(closing)}} is never closed") }
        return nodes
    }

    static func find(_ needle: StaticString, in text: Substring) -> Range<Substring.Index>? {
        guard let offset = ByteSearch.firstOffset(of: needle, in: text) else { return nil }
        let u = text.utf8, start = u.index(u.startIndex, offsetBy: offset)
        return start..<u.index(start, offsetBy: needle.utf8CodeUnitCount)
    }

    /// `escape` is applied to every value (HTML templates escape, text ones don't).
    public func render(_ values: [String: String], escape: (String) -> String = { $0 }) -> String {
        var out = ""
        Template.render(nodes, values, escape, into: &out)
        return out
    }

    static func render(_ nodes: [Node], _ values: [String: String], _ escape: (String) -> String, into out: inout String) {
        for node in nodes {
            switch node {
            case .text(let t): out += t
            case .variable(let name): out += escape(values[name] ?? "")
            case .raw(let name): out += values[name] ?? ""
            case .section(let name, let inverted, let body):
                if (values[name] ?? "").isEmpty == inverted { render(body, values, escape, into: &out) }
            }
        }
    }

    /// Names the template uses, for start-up checks.
    package var variables: Set<String> {
        var names = Set<String>()
        func walk(_ nodes: [Node]) {
            for n in nodes {
                switch n {
                case .text: break
                case .variable(let v), .raw(let v): names.insert(v)
                case .section(let v, _, let body): names.insert(v); walk(body)
                }
            }
        }
        walk(nodes)
        return names
    }
}
