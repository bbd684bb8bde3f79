#if canImport(Glibc)
import Glibc
#endif
import GatehouseSystem

/// Builds RFC 5322 messages: Date, Message-ID, From, To, Subject,
/// MIME-Version, text/plain in UTF-8 (quoted-printable) and an optional
/// HTML alternative. Pure apart from the values it is given.
package struct MessageBuilder: Sendable {
    package let from: String
    package let domain: String

    package init(from: String) {
        self.from = MessageBuilder.oneLine(from)
        let address = from.split(separator: "<").last.map { $0.split(separator: ">").first ?? "" } ?? ""
        domain = address.split(separator: "@").last.map(String.init) ?? "localhost"
    }

    /// Header values never carry CR or LF, whatever they were built from.
    package static func oneLine(_ s: String) -> String {
        var out = ""
        out.unicodeScalars.append(contentsOf: s.unicodeScalars.map { $0 == "\r" || $0 == "\n" || $0 == "\t" ? " " : $0 })
        return out
    }

    package func build(to: String, subject: String, text: String, html: String?, date: Int64, messageID: String) -> [UInt8] {
        var head = ""
        head += "Date: \(UTCTime.rfc5322(date))\r\n"
        head += "Message-ID: <\(messageID)@\(domain)>\r\n"
        head += "From: \(from)\r\n"
        head += "To: \(MessageBuilder.oneLine(to))\r\n"
        head += "Subject: \(MessageBuilder.encodeWord(MessageBuilder.oneLine(subject)))\r\n"
        head += "MIME-Version: 1.0\r\n"
        head += "Auto-Submitted: auto-generated\r\n"
        let textPart = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            + MessageBuilder.quotedPrintable(text)
        guard let html else {
            return Array((head + textPart).utf8)
        }
        let boundary = "=_gatehouse_" + messageID
        var body = "Content-Type: multipart/alternative; boundary=\"\(boundary)\"\r\n\r\n"
        body += "--\(boundary)\r\n" + textPart + "\r\n"
        body += "--\(boundary)\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        body += MessageBuilder.quotedPrintable(html) + "\r\n--\(boundary)--\r\n"
        return Array((head + body).utf8)
    }

    /// RFC 2047 B-encoding when the subject is not plain ASCII: encoded
    /// words of at most 75 characters (45 bytes of text each, cut between
    /// characters), folded onto continuation lines.
    static func encodeWord(_ s: String) -> String {
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) { return s }
        var words = [String](), chunk = [UInt8]()
        for scalar in s.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > 45 {
                words.append(chunk.isEmpty ? "" : "=?utf-8?B?" + Base64.standard(chunk) + "?=")
                chunk = []
            }
            chunk += bytes
        }
        words.append("=?utf-8?B?" + Base64.standard(chunk) + "?=")
        return words.filter { !$0.isEmpty }.joined(separator: "\r\n ")
    }

    /// RFC 2045 §6.7, lines ≤ 76, CRLF line ends.
    static func quotedPrintable(_ text: String) -> String {
        var out = ""
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (index, line) in lines.enumerated() {
            var current = ""
            let bytes = Array(line.utf8)
            for (i, b) in bytes.enumerated() {
                let last = i == bytes.count - 1
                var piece: String
                if (b >= 33 && b <= 126 && b != 61) || ((b == 32 || b == 9) && !last) {
                    piece = String(UnicodeScalar(b))
                } else {
                    piece = "=" + HexDigits.pair(b)
                }
                if current.utf8.count + piece.utf8.count > 75 {
                    out += current + "=\r\n"
                    current = ""
                }
                current += piece
            }
            out += current
            if index < lines.count - 1 { out += "\r\n" }
        }
        return out
    }

    /// The envelope: addresses from a spooled message's From: and To:.
    package static func envelope(of message: [UInt8]) -> (from: String, to: String)? {
        var from: String?, to: String?
        let text = String(decoding: message.prefix(8192), as: UTF8.self)
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: false) {
            if line.isEmpty { break }
            if line.hasPrefix("From: ") { from = address(in: line.dropFirst(6)) }
            if line.hasPrefix("To: ") { to = address(in: line.dropFirst(4)) }
        }
        guard let from, let to else { return nil }
        return (from, to)
    }

    static func address(in value: Substring) -> String {
        if let open = value.lastIndex(of: "<"), let close = value.lastIndex(of: ">"), open < close {
            return String(value[value.index(after: open)..<close])
        }
        return String(value).filter { $0 != " " }
    }
}
