#if canImport(Glibc)
import Glibc
#endif
import GatehouseConfig
import GatehouseCore
import GatehouseEndpoints
import GatehouseHTTP
import GatehousePages
import GatehouseJSON
import GatehouseFiles
import GatehouseSystem
import GatehouseWebAuthn
import GatehouseBreach

/// Each parser that sees outside input, as a function of arbitrary bytes.
/// A parser may refuse its input (that is its job); it must not crash, hang
/// or read out of bounds, and what it accepts must be used safely.
let targets: [String: @Sendable ([UInt8]) -> Void] = [
    // JSON request bodies.
    "json": { bytes in _ = try? JSONParser.parse(bytes) },
    // urlencoded bodies and query strings.
    "urlencoded": { bytes in _ = FormDecoding.decode(bytes) },
    // FastCGI parameters as the request layer reads them: NUL-separated
    // NAME=value pairs (what libfcgi hands over), then every derived view.
    "params": { bytes in
        var params = [String: String]()
        for pair in bytes.split(separator: 0) {
            let text = String(decoding: pair, as: UTF8.self)
            guard let eq = text.firstIndex(of: "=") else { continue }
            params[String(text[..<eq])] = String(text[text.index(after: eq)...])
        }
        let request = Request(params: params, body: Array(bytes.prefix(256)))
        _ = request.cookies
        _ = request.authorization
        _ = request.query
        _ = request.ownOrigin
        _ = request.clientIP(trustedProxies: ["127.0.0.1", "::1"])
        _ = acceptPrefersHTML(request)
        _ = try? BodyDecoder.decode(request, limit: 16384)
    },
    // Cookie and Authorization headers alone.
    "headers": { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        let request = Request(params: ["HTTP_COOKIE": text, "HTTP_AUTHORIZATION": text, "HTTP_ACCEPT_LANGUAGE": text])
        _ = request.cookies
        _ = request.authorization
        _ = LanguageChoice.best(text, available: ["en", "de"], fallback: "en")
    },
    "email": { bytes in _ = EmailAddress.parse(String(decoding: bytes, as: UTF8.self)) },
    "config": { bytes in _ = try? Config.parse(String(decoding: bytes, as: UTF8.self)) },
    "record": { bytes in
        for kind in ["user", "session", "code"] { _ = try? RecordText.parse(bytes, kind: kind) }
    },
    "template": { bytes in
        if let t = try? Template(String(decoding: bytes, as: UTF8.self)) {
            _ = t.render(["code": "123456", "site": "S", "replaces": "yes"], escape: htmlEscape)
        }
    },
    "catalogue": { bytes in
        if let c = try? Catalogue(language: "xx", source: String(decoding: bytes, as: UTF8.self)) {
            for key in c.keys { _ = Catalogue.fill(c.text(key) ?? "", ["n": "1", "email": "a@b"]) }
        }
    },
    // The breached-password corpus, line by line, as its import reads it.
    "breach-line": { bytes in
        for (n, line) in bytes.split(separator: UInt8(ascii: "\n")).enumerated() { _ = try? CorpusImport.parse(line, line: n + 1) }
    },
    // A filter file as a responder maps it: every offset checked before a
    // lookup reads there.
    "breach-filter": { bytes in _ = try? BreachFilterReader.lookUp([0, 1, .max, 0x8000_0000_0000_0000], inFilterBytes: bytes) },
    "import": { bytes in
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            for format in ImportFormat.allCases { _ = format.parse(line) }
        }
    },
    // Passkeys: each parser of what an authenticator sends, and the two
    // ceremonies whole (a response as JSON, checked against a site whose
    // RP ID and origin the seeds were made for, so that the checks past
    // parsing are reached too).
    "cbor": { bytes in _ = try? CBOR.read(bytes[...]) },
    "cose": { bytes in
        if let key = try? COSEKey(bytes) { _ = try? key.verify(Array(bytes.prefix(72)), over: bytes) }
    },
    "authdata": { bytes in _ = try? AuthenticatorData(bytes) },
    "clientdata": { bytes in
        _ = try? ClientData(bytes).check(type: "webauthn.get", rp: fuzzRP)
    },
    "registration": { bytes in
        guard let json = try? JSONParser.parse(bytes), let response = try? RegistrationResponse(json: json) else { return }
        _ = try? response.verify(rp: fuzzRP, requireUserVerification: true)
    },
    "assertion": { bytes in
        guard let json = try? JSONParser.parse(bytes), let response = try? AssertionResponse(json: json) else { return }
        _ = try? response.verify(publicKey: fuzzKey, storedSignCount: 0, backupEligible: false, rp: fuzzRP, requireUserVerification: true)
    },
    "return-url": { bytes in
        _ = ReturnURL.checked(String(decoding: bytes, as: UTF8.self), ownOrigin: "http://example.com:8080", allowedHosts: ["a.example"],
                              sharedDomain: "example.com")
    },
]

let fuzzRP = RelyingParty(id: "localhost", origins: ["http://localhost:8080"])
/// A P-256 COSE key (the assertion target's signatures fail against it,
/// past every check before the signature).
let fuzzKey: [UInt8] = [0xA5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20] + [UInt8](repeating: 1, count: 32)
    + [0x22, 0x58, 0x20] + [UInt8](repeating: 2, count: 32)

nonisolated(unsafe) var selected: (@Sendable ([UInt8]) -> Void)?

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>>>) -> CInt {
    let name = getenv("GATEHOUSE_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = targets[name] else {
        let names = targets.keys.sorted().joined(separator: " ")
        FileDescriptor.writeAll(2, Array("GATEHOUSE_FUZZ_TARGET must be one of: \(names)\n".utf8))
        exit(2)
    }
    selected = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selected?(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

// SwiftPM links an executable's entry as <module>_main; libFuzzer's driver
// runs from there.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("gatehouse_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in testOneInput(data, size) }
}
