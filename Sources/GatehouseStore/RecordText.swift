/// The on-disk text of one record: a header line naming the kind and schema
/// version, then `key: value` lines. Meant to be read with `cat` and backed
/// up with `tar`; values are percent-escaped only where a byte would break
/// the line structure, so ordinary values read as themselves.
public struct RecordText: Equatable, Sendable {
    public static let schemaVersion = 1

    public let kind: String
    public private(set) var fields: [(String, String)]

    public init(kind: String, fields: [(String, String)] = []) {
        self.kind = kind
        self.fields = fields
    }

    public static func == (a: RecordText, b: RecordText) -> Bool {
        a.kind == b.kind && a.fields.elementsEqual(b.fields, by: { $0 == $1 })
    }

    public subscript(key: String) -> String? {
        fields.first(where: { $0.0 == key })?.1
    }

    public mutating func set(_ key: String, _ value: String) {
        if let i = fields.firstIndex(where: { $0.0 == key }) {
            fields[i].1 = value
        } else {
            fields.append((key, value))
        }
    }

    public func encoded() -> [UInt8] {
        var text = "gatehouse-\(kind) \(RecordText.schemaVersion)\n"
        for (k, v) in fields {
            text += k + ": " + RecordText.escape(v) + "\n"
        }
        return Array(text.utf8)
    }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case notUTF8, badHeader, wrongKind(String), unsupportedVersion(String), badLine(Int), truncated

        public var description: String {
            switch self {
            case .notUTF8: return "not valid UTF-8"
            case .badHeader: return "missing or malformed header line"
            case .wrongKind(let k): return "record kind is \(k)"
            case .unsupportedVersion(let v): return "unsupported schema version \(v)"
            case .badLine(let n): return "malformed line \(n)"
            case .truncated: return "truncated (no final newline)"
            }
        }
    }

    /// Pure: bytes in, record or a reason out. A record missing its final
    /// newline is rejected, so a torn write can never pass for a short one.
    public static func parse(_ bytes: [UInt8], kind expected: String) throws(ParseError) -> RecordText {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .notUTF8 }
        guard text.hasSuffix("\n") else { throw .truncated }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()
        guard let header = lines.first else { throw .badHeader }
        let parts = header.split(separator: " ")
        guard parts.count == 2, parts[0].hasPrefix("gatehouse-") else { throw .badHeader }
        let kind = String(parts[0].dropFirst("gatehouse-".count))
        guard kind == expected else { throw .wrongKind(kind) }
        guard parts[1] == "\(schemaVersion)" else { throw .unsupportedVersion(String(parts[1])) }
        var record = RecordText(kind: kind)
        for (n, line) in lines.dropFirst().enumerated() {
            guard let sep = line.firstRange(of: ": ") else { throw .badLine(n + 2) }
            let key = String(line[..<sep.lowerBound])
            guard !key.isEmpty, let value = unescape(line[sep.upperBound...]) else { throw .badLine(n + 2) }
            record.fields.append((key, value))
        }
        return record
    }

    static func escape(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            if scalar == "%" || scalar.value < 0x20 || scalar.value == 0x7f {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "%" + (hex.count < 2 ? "0" + hex : hex)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func unescape(_ text: Substring) -> String? {
        guard text.contains("%") else { return String(text) }
        var bytes = [UInt8]()
        var u = text.utf8.makeIterator()
        while let c = u.next() {
            if c == UInt8(ascii: "%") {
                guard let h = u.next(), let l = u.next(),
                      let v = UInt8(String(decoding: [h, l], as: UTF8.self), radix: 16) else { return nil }
                bytes.append(v)
            } else {
                bytes.append(c)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
