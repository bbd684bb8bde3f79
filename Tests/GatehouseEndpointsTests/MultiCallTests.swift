import GatehouseEndpoints
import GatehouseResponder
import XCTest

final class MultiCallTests: XCTestCase {
    let entries = [ResponderEntry("me", MeEndpoint()), ResponderEntry("verify-otp", VerifyOTPEndpoint())]

    func testTheLastComponentOfTheNameChooses() {
        XCTAssertEqual(MultiCall.entry(for: "/usr/local/lib/gatehouse/verify-otp", in: entries)?.program, "verify-otp")
        XCTAssertEqual(MultiCall.entry(for: "me", in: entries)?.program, "me")
        XCTAssertEqual(MultiCall.entry(for: "./me", in: entries)?.program, "me")
    }

    func testANameItDoesNotKnowChoosesNothing() {
        for name in ["", "gatehouse", "/srv/me/", "me-backup", "/usr/lib/me.old", "ME", "verify"] {
            XCTAssertNil(MultiCall.entry(for: name, in: entries), name)
        }
    }
}
