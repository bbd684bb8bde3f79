#if canImport(Glibc)
import Glibc
#endif

/// Unix seconds as the two text forms Gatehouse writes: RFC 3339 for logs,
/// listings and JSON, RFC 5322 for mail (and a plain one for pages). strftime in the C locale (nothing
/// here calls setlocale), so the names are English as both RFCs want.
package enum UTCTime {
    package static func rfc3339(_ t: Int64) -> String { format(t, "%Y-%m-%dT%H:%M:%SZ") }
    /// For people, in any language: 2026-11-25 21:40 UTC.
    package static func readable(_ t: Int64) -> String { format(t, "%Y-%m-%d %H:%M UTC") }
    package static func rfc5322(_ t: Int64) -> String { format(t, "%a, %d %b %Y %H:%M:%S +0000") }

    static func format(_ t: Int64, _ pattern: String) -> String {
        var time = time_t(t)
        var parts = tm()
        gmtime_r(&time, &parts)
        var buf = [CChar](repeating: 0, count: 64)
        let n = strftime(&buf, buf.count, pattern, &parts)
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
