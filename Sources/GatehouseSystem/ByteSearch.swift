/// Where a literal first occurs in some bytes: a plain scan, for the hot
/// paths (every CGI exec parses the templates, every request negotiates),
/// where the standard library's `firstRange(of:)` would set up a searcher
/// per call and lower-casing would copy the haystack.
package enum ByteSearch {
    /// Byte offset of `needle` in `haystack`; with `ignoringASCIICase`,
    /// `needle` is lower-case ASCII and the haystack's A–Z match a–z.
    package static func firstOffset(of needle: StaticString, in haystack: UnsafeBufferPointer<UInt8>,
                                   ignoringASCIICase: Bool = false) -> Int? {
        let n = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        guard n.count <= haystack.count else { return nil }
        outer: for i in 0...(haystack.count - n.count) {
            for j in 0..<n.count {
                var b = haystack[i + j]
                if ignoringASCIICase && b >= 65 && b <= 90 { b += 32 }
                if b != n[j] { continue outer }
            }
            return i
        }
        return nil
    }

    /// The same, in a string's UTF-8.
    package static func firstOffset(of needle: StaticString, in haystack: Substring, ignoringASCIICase: Bool = false) -> Int? {
        let search = { (bytes: UnsafeBufferPointer<UInt8>) in firstOffset(of: needle, in: bytes, ignoringASCIICase: ignoringASCIICase) }
        if let found = haystack.utf8.withContiguousStorageIfAvailable(search) { return found }
        return Array(haystack.utf8).withUnsafeBufferPointer(search)
    }

    /// Whether `needle` occurs in `haystack`.
    package static func contains(_ haystack: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard needle.count <= haystack.count else { return false }
        var i = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while i <= last {
            if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}
