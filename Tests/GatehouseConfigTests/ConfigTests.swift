@testable import GatehouseConfig
import XCTest

final class ConfigTests: XCTestCase {
    func testDefaults() throws {
        let c = try Config.parse("")
        XCTAssertEqual(c.prefix, "/account")
        XCTAssertEqual(c.maxBodyBytes, 16384)
        XCTAssertEqual(c.sessionIdleTimeout, 1800)
        XCTAssertEqual(c.sessionAbsoluteTimeout, 43200)
        XCTAssertEqual(c.argon2MemlimitKib, 19456)
        XCTAssertEqual(c.argon2Opslimit, 2)
        XCTAssertEqual(c.signinFreeFailures, 5)
        XCTAssertEqual(c.signinMaxFailures, 100)
        XCTAssertEqual(c.trustedProxies, [])
        XCTAssertEqual(c.auditLogPath, "/var/lib/gatehouse/audit.log")
    }

    func testValuesCommentsAndDurations() throws {
        let c = try Config.parse("""
        # comment
        data_dir = /srv/gh
          session_idle_timeout=90s
        session_absolute_timeout = 2h
        trusted_proxies = 10.0.0.1, 10.0.0.2
        prefix = /auth/
        """)
        XCTAssertEqual(c.dataDir, "/srv/gh")
        XCTAssertEqual(c.sessionIdleTimeout, 90)
        XCTAssertEqual(c.sessionAbsoluteTimeout, 7200)
        XCTAssertEqual(c.trustedProxies, ["10.0.0.1", "10.0.0.2"])
        XCTAssertEqual(c.prefix, "/auth")
    }

    /// A prefix drops a trailing slash; the page a sign-in lands on keeps
    /// it (`/account/` is the home, which `/account` is not under lighttpd).
    func testTrailingSlashes() throws {
        let c = try Config.parse("prefix = /auth/\nsignin_redirect = /account/\n")
        XCTAssertEqual(c.prefix, "/auth")
        XCTAssertEqual(c.signinRedirect, "/account/")
    }

    func testWindowsLineEndings() throws {
        let c = try Config.parse("data_dir = /srv/a\r\nprefix = /p\r\n")
        XCTAssertEqual(c.dataDir, "/srv/a")
        XCTAssertEqual(c.prefix, "/p")
    }

    func failure(_ text: String) -> ConfigError? {
        do { _ = try Config.parse(text, source: "t.conf"); return nil } catch { return error }
    }

    func testErrorsNameTheKeyAndLine() {
        XCTAssertEqual(failure("\nargon2_opslimit = lots"),
                       ConfigError(file: "t.conf", line: 2, key: "argon2_opslimit", reason: "expected a whole number, got \"lots\""))
        XCTAssertEqual(failure("max_body_bytes = 10")?.key, "max_body_bytes")
        XCTAssertEqual(failure("colour = blue")?.reason, "unknown key")
        XCTAssertEqual(failure("prefix = /a\nprefix = /b")?.reason, "given twice")
        XCTAssertEqual(failure("just words")?.reason, "expected `key = value`")
        XCTAssertEqual(failure("session_idle_timeout = 1h\nsession_absolute_timeout = 30m")?.key, "session_absolute_timeout")
        XCTAssertEqual(failure("log_level = loud")?.key, "log_level")
        XCTAssertEqual(failure("prefix = account")?.key, "prefix")
        XCTAssertEqual(failure("cookie_name = a;b")?.key, "cookie_name")
        XCTAssertEqual(failure("\nsession_idle_timeout = 5x")?.description,
                       "t.conf:2: session_idle_timeout: expected a duration like 90s, 30m, 12h or 7d, got \"5x\"")
    }

    func testCookieDomainIsADomainName() throws {
        XCTAssertEqual(try Config.parse("cookie_domain = .Example.ORG").cookieDomain, "example.org")
        XCTAssertEqual(try Config.parse("").cookieDomain, "")
        for bad in ["localhost", "127.0.0.1", "exa mple.org", "example.org;x=1", "-a.example.org", "a..org"] {
            XCTAssertEqual(failure("cookie_domain = \(bad)")?.key, "cookie_domain", bad)
        }
        XCTAssertEqual(try Config.parse("public_origin = HTTPS://Auth.example.org:8443").publicOrigin, "https://auth.example.org:8443")
        for bad in ["auth.example.org", "https://auth.example.org/", "https://auth.example.org/account", "ftp://a.example", "https://"] {
            XCTAssertEqual(failure("public_origin = \(bad)")?.key, "public_origin", bad)
        }
    }

    func testPasskeySettingsAreCheckedTogether() throws {
        let demo = try Config.parse("webauthn_rp_id = localhost\nwebauthn_origins = http://localhost:8080")
        XCTAssertEqual(demo.webauthnRpId, "localhost")
        XCTAssertEqual(demo.webauthnOrigins, ["http://localhost:8080"])
        let site = try Config.parse("webauthn_rp_id = Example.org\nwebauthn_origins = https://example.org, https://auth.example.org:8443")
        XCTAssertEqual(site.webauthnOrigins, ["https://example.org", "https://auth.example.org:8443"])
        XCTAssertEqual(failure("webauthn_rp_id = 127.0.0.1\nwebauthn_origins = http://127.0.0.1")?.key, "webauthn_rp_id")
        XCTAssertTrue(failure("webauthn_rp_id = 127.0.0.1")?.reason.contains("an IP address cannot be a relying party ID") ?? false)
        for (text, why) in [("webauthn_rp_id = example.org", "webauthn_rp_id needs the origins its pages are served from"),
                            ("webauthn_origins = https://example.org", "needs webauthn_rp_id"),
                            ("webauthn_rp_id = example.org\nwebauthn_origins = https://example.org.evil.net",
                             "https://example.org.evil.net is not on example.org or a subdomain of it"),
                            ("webauthn_rp_id = example.org\nwebauthn_origins = http://example.org", "http://example.org must be https (http only for localhost)")] {
            XCTAssertEqual(failure(text)?.reason, why, text)
        }
    }

    func testLocateOrder() {
        XCTAssertEqual(Config.locate(environment: { $0 == "GATEHOUSE_CONFIG" ? "/x.conf" : nil }, executableDirectory: "/nope"), "/x.conf")
        XCTAssertNil(Config.locate(environment: { _ in nil }, executableDirectory: "/nonexistent-dir").flatMap { $0 == "/etc/gatehouse/gatehouse.conf" ? nil : $0 })
    }

    func testEveryKeyIsDocumented() {
        let sample = ConfigDocs.sampleFile()
        for s in Settings.all {
            XCTAssertFalse(s.help.isEmpty, s.key)
            XCTAssertTrue(sample.contains("#\(s.key) = \(s.defaultValue)"), s.key)
            // Every default must pass its own validator.
            var config = try! Config.parse("")
            if let p = s.apply(s.defaultValue, &config) { XCTFail("\(s.key): \(p.reason)") }
        }
    }

    /// Each setting is declared once: one row of the table per field of
    /// Config (and its source), and no key twice.
    func testEachFieldHasExactlyOneRow() throws {
        let fields = Mirror(reflecting: try Config.parse("")).children.compactMap(\.label).filter { $0 != "source" }
        XCTAssertEqual(fields.count, Settings.all.count)
        XCTAssertEqual(Set(Settings.all.map(\.key)).count, Settings.all.count)
        // Each row sets a field of its own: setting every key to a value
        // differing from its default changes that many fields.
        let differing = try Config.parse("store = postgresql\npostgresql_dsn = host=/x\nlog_level = debug\nmail_transport = smtp")
        let a = Mirror(reflecting: try Config.parse("")).children.map { "\($0.value)" }
        let b = Mirror(reflecting: differing).children.map { "\($0.value)" }
        XCTAssertEqual(zip(a, b).filter { $0 != $1 }.count, 4)  // store, dsn, log_level, mail_transport
    }
}
