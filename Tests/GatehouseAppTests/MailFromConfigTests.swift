import GatehouseApp
import GatehouseConfig
import GatehouseMail
import XCTest

final class MailFromConfigTests: XCTestCase {
    func testSMTPNeedsSTARTTLSToARelayElsewhere() throws {
        func mode(_ lines: String) throws -> String {
            try SMTPRelay.starttls(Config.parse("mail_transport = smtp\n" + lines)).rawValue
        }
        XCTAssertEqual(try mode("smtp_url = smtp://relay.example.com:587"), "required")
        XCTAssertEqual(try mode("smtp_url = smtp://127.0.0.1:25"), "optional")
        XCTAssertEqual(try mode("smtp_url = smtp://[::1]:25\nsmtp_username = me"), "optional")
        for weak in ["off", "optional"] {
            for relay in ["relay.example.com:587", "127.mail.example.net:25", "192.0.2.5:25", "localhost:x@relay.example.com:25",
                          "[::1]@relay.example.com"] {
                for user in ["", "\nsmtp_username = me"] {
                    XCTAssertThrowsError(try mode("smtp_url = smtp://\(relay)\nsmtp_starttls = \(weak)\(user)")) {
                        XCTAssertTrue("\($0)".hasPrefix("smtp_starttls:"), "\($0)")
                    }
                }
            }
        }
        XCTAssertEqual(try mode("smtp_url = smtp://127.0.0.1:25\nsmtp_starttls = off"), "off")
        XCTAssertEqual(try mode("smtp_url = smtp://127.mail.example.net:25"), "required")
        XCTAssertEqual(try mode("smtp_url = smtps://relay.example.com:465\nsmtp_starttls = off\nsmtp_username = me"), "off")
    }

    func testEachTransportBecomesItsDelivery() throws {
        guard case .maildir(let path) = try MailSettings(config: Config.parse("data_dir = /d")).delivery else { return XCTFail() }
        XCTAssertEqual(path, "/d/maildir")
        guard case .smtp(let relay) = try MailSettings(config: Config.parse("mail_transport = smtp\nsmtp_url = smtp://127.0.0.1:25")).delivery
        else { return XCTFail() }
        XCTAssertEqual(relay, SMTPRelay(url: "smtp://127.0.0.1:25", tls: .optional, username: "", password: ""))
        XCTAssertThrowsError(try MailSettings(config: Config.parse("mail_transport = smtp\nsmtp_password_file = /nowhere"))) {
            XCTAssertTrue("\($0)".hasPrefix("smtp_password_file:"), "\($0)")
        }
    }
}
