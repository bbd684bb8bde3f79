import GatehouseSystem

/// The on-disk text of one record: a header line naming the kind and schema
/// version, then `key: value` lines. Meant to be read with `cat` and backed
/// up with `tar`; values are percent-escaped only where a byte would break
/// the line structure, so ordinary values read as themselves.
public struct RecordText: Equatable, Sendable {
    package static let schemaVersion = 1

    package let kind: String
    package private(set) var fields: [(String, String)]

    package init(kind: String, fields: [(String, String)] = []) {
        self.kind = kind
        self.fields = fields
    }

    public static func == (a: RecordText, b: RecordText) -> Bool {
        a.kind == b.kind && a.fields.elementsEqual(b.fields, by: { $0 == $1 })
    }

    package subscript(key: String) -> String? {
        fields.first(where: { $0.0 == key })?.1
    }

    package mutating func set(_ key: String, _ value: String) {
        if let i = fields.firstIndex(where: { $0.0 == key }) {
            fields[i].1 = value
        } else {
            fields.append((key, value))
        }
    }

    package func encoded() -> [UInt8] {
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
    /// Works on bytes, not Characters: every request parses two records, and
    /// grapheme-aware splitting cost more than all the file I/O.
    public static func parse(_ bytes: [UInt8], kind expected: String) throws(ParseError) -> RecordText {
        guard String(validating: bytes, as: UTF8.self) != nil else { throw .notUTF8 }
        guard bytes.last == 0x0A else { throw .truncated }
        var record: RecordText? = nil
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while bytes[end] != 0x0A { end += 1 }  // the last byte is a newline
            lineNumber += 1
            let line = bytes[start..<end]
            start = end + 1
            if var current = record {
                guard let sep = colonSpace(line), sep > line.startIndex,
                      let value = unescape(line[(sep + 2)...]) else { throw .badLine(lineNumber) }
                current.fields.append((String(decoding: line[..<sep], as: UTF8.self), value))
                record = current
                continue
            }
            let prefix = Array("gatehouse-".utf8)
            guard let space = line.firstIndex(of: 0x20), line.starts(with: prefix),
                  !line[(space + 1)...].contains(0x20) else { throw .badHeader }
            let kind = String(decoding: line[(line.startIndex + prefix.count)..<space], as: UTF8.self)
            guard kind == expected else { throw .wrongKind(kind) }
            let version = String(decoding: line[(space + 1)...], as: UTF8.self)
            guard version == "\(schemaVersion)" else { throw .unsupportedVersion(version) }
            record = RecordText(kind: kind)
        }
        guard let record else { throw .badHeader }
        return record
    }

    static func colonSpace(_ line: ArraySlice<UInt8>) -> Int? {
        var i = line.startIndex
        while i + 1 < line.endIndex {
            if line[i] == 0x3A && line[i + 1] == 0x20 { return i }
            i += 1
        }
        return nil
    }

    /// `%`, control characters and DEL become `%XX`: a value is one line.
    static func escape(_ value: String) -> String {
        PercentEncoding.encode(value) { $0 >= 0x20 && $0 != 0x7f && $0 != 0x25 }
    }

    static func unescape(_ text: ArraySlice<UInt8>) -> String? {
        guard text.contains(0x25) else { return String(decoding: text, as: UTF8.self) }
        return PercentEncoding.decode(text).flatMap { String(validating: $0, as: UTF8.self) }
    }
}
