#if canImport(Glibc)
import Glibc
#endif
import GatehouseSystem

/// The QR code of the enrolment page, from Debian's libqrencode, drawn as
/// inline SVG: no script, no second request, nothing the strict CSP has to
/// allow. The library is opened with dlopen the first time a code is drawn
/// (as libcrypto and libpq are): every other page of every responder
/// would otherwise pay for loading it.
package enum QRCode {
    // QRcode *QRcode_encodeString(const char *, int version, QRecLevel, QRencodeMode, int casesensitive)
    typealias Encode = @convention(c) (UnsafePointer<CChar>?, Int32, Int32, Int32, Int32) -> UnsafeMutableRawPointer?
    typealias Free = @convention(c) (UnsafeMutableRawPointer?) -> Void

    struct Library: @unchecked Sendable {
        let encode: Encode
        let free: Free
    }

    static let library: Library? = {
        guard let handle = dlopen("libqrencode.so.4", RTLD_NOW | RTLD_LOCAL),
              let encode = dlsym(handle, "QRcode_encodeString"), let free = dlsym(handle, "QRcode_free") else { return nil }
        return Library(encode: unsafeBitCast(encode, to: Encode.self), free: unsafeBitCast(free, to: Free.self))
    }()

    /// libqrencode's QR_ECLEVEL_M (15 % of the code can be lost) and
    /// QR_MODE_8 (bytes, for the case-sensitive otpauth URI).
    static let levelM: Int32 = 1, mode8: Int32 = 2

    /// The modules, row by row (true: dark); nil when libqrencode is not
    /// installed or the text does not fit.
    package static func modules(_ text: String) -> [[Bool]]? {
        guard let lib = library, let code = lib.encode(text, 0, levelM, mode8, 1) else { return nil }
        defer { lib.free(code) }
        // struct QRcode { int version; int width; unsigned char *data; }:
        // bit 0 of each byte of data is the module's colour.
        let width = Int(code.load(fromByteOffset: 4, as: Int32.self))
        guard width > 0, width <= 177, let data = code.load(fromByteOffset: 8, as: UnsafePointer<UInt8>?.self) else { return nil }
        return (0..<width).map { y in (0..<width).map { x in data[y * width + x] & 1 == 1 } }
    }

    /// An SVG image of the code with its quiet zone of four modules, each
    /// row's dark runs as one path; nil as for `modules`.
    package static func svg(_ text: String, label: String) -> String? {
        guard let rows = modules(text) else { return nil }
        let size = rows.count + 8
        var path = ""
        for (y, row) in rows.enumerated() {
            var x = 0
            while x < row.count {
                guard row[x] else { x += 1; continue }
                let start = x
                while x < row.count && row[x] { x += 1 }
                path += "M\(start + 4) \(y + 4)h\(x - start)v1h-\(x - start)z"
            }
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(size) \(size)\" width=\"\(size * 6)\" height=\"\(size * 6)\""
            + " role=\"img\" aria-label=\"\(htmlEscape(label))\"><rect width=\"\(size)\" height=\"\(size)\" fill=\"#fff\"/>"
            + "<path d=\"\(path)\" fill=\"#000\"/></svg>"
    }
}
