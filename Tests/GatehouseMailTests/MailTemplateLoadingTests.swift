#if canImport(Glibc)
import Glibc
#endif
@testable import GatehouseMail
import GatehouseStore
import TestSupport
import XCTest
import GatehouseSystem
import GatehouseCore
import GatehouseCrypto
import Logging

final class MailTemplateLoadingTests: XCTestCase {
    func testShippedTemplatesParse() throws {
        let dir = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        let languages = try MailService.loadLanguages(dir: "/" + dir + "/deploy/templates")
        XCTAssertEqual(Set(languages.keys), ["", "de"])
        for loaded in languages.values {
            XCTAssertEqual(Set(loaded.keys), ["otp", "password-changed"])
            XCTAssertTrue(loaded["otp"]!.text.variables.contains("code"))
        }
    }

    /// A site owner's template that misspells {{code}} would send codes
    /// without the code; it stops the responder at start instead.
    func testAnOTPTemplateWithoutTheCodeIsRefusedAtStart() throws {
        let dir = temp()
        defer { TestFiles.removeTree(dir) }
        _ = system("mkdir -p \(dir)/mail")
        try TestFiles.write(dir + "/mail/otp.txt", "Subject: Your code\n\nHere it is: {{cdoe}}\n")
        try TestFiles.write(dir + "/mail/password-changed.txt", "Subject: Changed\n\nAt {{time}}.\n")
        let settings = MailSettings(dataDir: dir + "/data", from: "G <g@example.com>", siteName: "G", templatesDir: dir,
                                    timeout: 5, maxAttempts: 3, delivery: .maildir(path: dir + "/mail"))
        XCTAssertThrowsError(try MailService(settings: settings, clock: SystemClock(), random: SystemRandom(),
                                             logger: Logger(label: "t") { _ in SwiftLogNoOpLogHandler() })) {
            XCTAssertTrue("\($0)".contains("must use {{code}}"), "\($0)")
        }
        try TestFiles.write(dir + "/mail/otp.txt", "Subject: Your code\n\nHere it is: {{code}}\n")
        XCTAssertNoThrow(try MailService(settings: settings, clock: SystemClock(), random: SystemRandom(),
                                         logger: Logger(label: "t") { _ in SwiftLogNoOpLogHandler() }))
    }
}
