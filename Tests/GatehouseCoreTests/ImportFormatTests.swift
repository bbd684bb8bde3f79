#if canImport(Glibc)
import Glibc
#endif
@testable import GatehouseCore
import GatehouseCrypto
import GatehouseSystem
import Logging
import TestSupport
import XCTest

final class ImportFormatTests: XCTestCase {
    func testImportFormats() {
        XCTAssertEqual(try ImportFormat.htpasswd.parse("a@b.c:$2y$05$abc")?.get(), .init(email: "a@b.c", hash: "$2y$05$abc"))
        XCTAssertEqual(try ImportFormat.shadow.parse("a@b.c:$6$x$y:19000:0:99999:7:::")?.get().hash, "$6$x$y")
        XCTAssertEqual(ImportFormat.shadow.parse("root:!:19000::::::"), .failure(.noPassword("root")))
        XCTAssertNil(ImportFormat.csv.parse("email,hash"))
        XCTAssertNil(ImportFormat.csv.parse("# comment"))
        XCTAssertEqual(ImportFormat.csv.parse("a,b,c"), .failure(.malformed("expected email,hash")))
    }
}
