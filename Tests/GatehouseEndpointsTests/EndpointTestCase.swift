#if canImport(Glibc)
import Glibc
#endif
import GatehouseConfig
import GatehouseCore
import GatehouseCrypto
import GatehouseEndpoints
import GatehouseResponder
import GatehouseHTTP
import GatehouseJSON
import GatehouseStore
import Logging
import TestSupport
import Foundation
import XCTest
import GatehouseSystem

/// Endpoints in process: a request in, a response out, against a real
/// data directory. For what needs no web server, such as a request marked
/// HTTPS, which the test nginx does not serve.
/// A real data directory and the services a responder would make from it;
/// the test cases below run endpoints against it.
class EndpointTestCase: XCTestCase {
    var dir = ""
    var services: Services!

    override func setUpWithError() throws {
        dir = TestFiles.temporaryDirectory("endpoints")
        let store = try FlatFileStore.create(root: dir + "/data")
        _ = try ServerSecrets.createKeyIfMissing(in: store, random: SystemRandom())
        let root = String(#filePath).split(separator: "/").dropLast(3).joined(separator: "/")
        let conf = """
            data_dir = \(dir)/data
            maildir = \(dir)/mail
            templates_dir = /\(root)/deploy/templates
            password_blocklist =
            argon2_memlimit_kib = 1024
            argon2_opslimit = 1
            otp_send_cooldown = 0

            """
        try TestFiles.write(dir + "/gatehouse.conf", conf)
        let config = try Config.load(path: dir + "/gatehouse.conf")
        services = try Services.make(config: config, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    override func tearDown() { TestFiles.removeTree(dir) }

    func request<E: Endpoint>(_ endpoint: E, _ method: String, body: String = "", query: String = "",
                              headers: [String: String] = [:]) -> Response {
        var params = ["REQUEST_METHOD": method, "REQUEST_URI": "/account/\(endpoint.name)", "QUERY_STRING": query,
                      "REMOTE_ADDR": "192.0.2.1", "HTTP_HOST": "example.com", "SERVER_PORT": "443", "HTTPS": "on"]
        if !body.isEmpty { params["CONTENT_TYPE"] = "application/x-www-form-urlencoded" }
        for (k, v) in headers { params["HTTP_" + k.uppercased().map { $0 == "-" ? "_" : $0 }.reduce("") { $0 + String($1) }] = v }
        return EndpointResponder(endpoint, services: services).handle(Request(params: params, body: Array(body.utf8)))
    }

    func newestMail() throws -> String {
        let names = Directory.names(dir + "/mail/new")
        return dir + "/mail/new/" + names.sorted().last!
    }
}

extension SignInOutcome {
    /// The session a sign-in opened (a test that expects one).
    var token: String {
        guard case .opened(let opened) = self else { fatalError("expected a session, got a second step") }
        return opened.token
    }
}
