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
            XCTAssertEqual(Set(loaded.keys), Set(MailService.templateNames + MailService.noticeNames))
            XCTAssertTrue(loaded["otp"]!.text.variables.contains("code"))
            XCTAssertTrue(loaded["recovery-code-used"]!.text.variables.contains("left"))
        }
        // Shipped, not the fallbacks: every notice in every language, in its words.
        for language in ["", "de"] {
            for name in MailService.noticeNames {
                XCTAssertTrue(Posix.exists("/\(dir)/deploy/templates/mail/\(language.isEmpty ? "" : language + "/")\(name).txt"), name)
            }
        }
        for name in MailService.noticeNames {
            XCTAssertNotEqual(languages["de"]![name]!.subject.render(["site": "S"]), languages[""]![name]!.subject.render(["site": "S"]), name)
        }
    }

    /// A templates_dir from before the second factor's notices still
    /// starts, and mails them: its language's own, else the default
    /// language's, else a built-in sentence in English.
    func testASiteWithoutTheNoticesStillStartsAndMailsThem() throws {
        let dir = temp()
        defer { TestFiles.removeTree(dir) }
        _ = system("mkdir -p \(dir)/mail/de")
        for language in ["", "de/"] {
            try TestFiles.write(dir + "/mail/\(language)otp.txt", "Subject: Code\n\n{{code}}\n")
            try TestFiles.write(dir + "/mail/\(language)password-changed.txt", "Subject: Changed\n\nAt {{time}}.\n")
        }
        try TestFiles.write(dir + "/mail/mfa-disabled.txt", "Subject: Off at {{site}}\n\nOff.\n")
        let languages = try MailService.loadLanguages(dir: dir)
        XCTAssertEqual(languages["de"]?["mfa-disabled"] == nil, true, "de falls back when rendering")
        XCTAssertEqual(languages[""]?["mfa-disabled"]?.subject.render(["site": "S"]), "Off at S")
        XCTAssertEqual(languages[""]?["mfa-enabled"]?.subject.render(["site": "S"]), "Two-step sign-in is now on for your S account")
        let text = languages[""]!["recovery-code-used"]!.text.render(["site": "S", "email": "a@example.com", "time": "T",
                                                                      "ip": "192.0.2.1", "left": "7"])
        XCTAssertTrue(text.contains("A recovery code was used (7 unused codes are left) for your S account (a@example.com)"), text)
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
