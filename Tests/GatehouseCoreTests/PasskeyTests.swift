@testable import GatehouseCore
import GatehouseJSON
import GatehouseSystem
import GatehouseWebAuthn
import XCTest

/// Passkeys in the core, on an injected clock, with an Ed25519 passkey of
/// the test's own: registration within the step-up window, sign-in without
/// a password, the second step, and each account-side rule refusing its
/// bad input (a challenge spent, bound, expired; a credential registered
/// elsewhere; a counter gone back; a user handle of another account).
final class PasskeyTests: CodeTestCase {
    var auth: Authenticated!
    var key = SoftPasskey()
    let client = ClientInfo(ip: "192.0.2.7", browser: "Chrome")

    override func make(policy: AccountPolicy = AccountPolicy()) throws {
        var p = policy
        p.relyingParty = RelyingParty(id: "localhost", origins: [SoftPasskey.origin])
        try super.make(policy: p)
    }

    override func setUpWithError() throws {
        clock.t = 1_700_000_000
        try super.setUpWithError()
        auth = try signIn()
    }

    func signIn(_ name: String = "ann@example.com") throws -> Authenticated {
        try accounts.authenticate(token: try accounts.signIn(username: name, password: "password one", clientIP: "192.0.2.1").token)
    }

    func register(_ passkey: inout SoftPasskey, as auth: Authenticated? = nil, name: String = "Laptop") throws -> Passkey {
        let session = auth ?? self.auth!
        return try accounts.registerPasskey(session, response: passkey.register(try accounts.passkeyCreationOptions(session)),
                                            name: name, client: client)
    }

    func signInWithPasskey(_ passkey: inout SoftPasskey, flags: UInt8 = 0x05) throws -> Authenticated {
        let response = passkey.assert(try accounts.passkeyRequestOptions(), flags: flags)
        return try accounts.authenticate(token: try accounts.signInWithPasskey(response, client: client).token)
    }

    func testARegisteredPasskeySignsInWithoutAPasswordAndTheSessionSaysSo() throws {
        let options = try accounts.passkeyCreationOptions(auth)
        guard case .string(let handle)? = options["user"]?["id"] else { return XCTFail() }
        XCTAssertEqual(Base64.decodeURL(handle)?.count, 32, "a random handle")
        XCTAssertFalse(handle.contains("ann"))
        XCTAssertEqual(options["attestation"], .string("none"))
        let passkey = try register(&key)
        XCTAssertEqual(passkey.name, "Laptop")
        XCTAssertEqual(try store.loadUser(auth.user.id)?.passkeys.map(\.id), [Base64.url(key.id)])
        XCTAssertEqual(mail.sent.last?.template, "passkey-added")
        clock.t += 60
        let session = try signInWithPasskey(&key)
        XCTAssertEqual(session.session.factors, [.passkey])
        XCTAssertTrue(AccessPolicy.secondFactor.allows(session, now: clock.t))
        XCTAssertTrue(AccessPolicy.passkey.allows(session, now: clock.t))
        XCTAssertFalse(AccessPolicy.passkey.allows(auth, now: clock.t), "a password session is no passkey session")
        let stored = try XCTUnwrap(store.loadUser(auth.user.id)?.passkeys.first)
        XCTAssertEqual(stored.signCount, 1)
        XCTAssertEqual(stored.lastUsed, clock.t)
    }

    func testAChallengeIsSpentOnceAndBoundToItsCeremonyAndExpires() throws {
        _ = try register(&key)
        let options = try accounts.passkeyRequestOptions()
        let first = key.assert(options)
        _ = try accounts.signInWithPasskey(first, client: client)
        XCTAssertEqual(error { _ = try accounts.signInWithPasskey(first, client: client) }, .passkeyRefused, "a replay")
        // A fresh assertion, but to the spent challenge.
        XCTAssertEqual(error { _ = try accounts.signInWithPasskey(key.assert(options), client: client) }, .passkeyRefused)
        XCTAssertTrue(audit.text.contains("challenge used already"))
        // A registration challenge is no sign-in challenge.
        let creation = try accounts.passkeyCreationOptions(auth)
        XCTAssertEqual(error { _ = try accounts.signInWithPasskey(key.assert(creation), client: client) }, .passkeyRefused)
        // Made up by the client.
        XCTAssertEqual(error { _ = try accounts.signInWithPasskey(key.assert(options, challenge: Base64.url(Array(repeating: 7, count: 40))),
                                                                  client: client) }, .passkeyRefused)
        let late = try accounts.passkeyRequestOptions()
        clock.t += Int64(accounts.policy.passkeyChallengeLifetime)
        XCTAssertEqual(error { _ = try accounts.signInWithPasskey(key.assert(late), client: client) }, .passkeyRefused, "expired")
    }

    func testARegistrationChallengeIsThisSessionsAndNeedsTheStepUpWindow() throws {
        let other = try signIn()
        let options = try accounts.passkeyCreationOptions(other)
        XCTAssertEqual(error { _ = try accounts.registerPasskey(auth, response: key.register(options), name: "", client: client) },
                       .passkeyRefused)
        clock.t += Int64(accounts.policy.reauthWindow) + 1
        XCTAssertEqual(error { _ = try accounts.passkeyCreationOptions(try accounts.authenticate(token: "x" + String(repeating: "A", count: 42))) },
                       .notAuthenticated)
        XCTAssertEqual(error { _ = try accounts.passkeyCreationOptions(auth) }, .reauthenticationRequired)
    }

    func testACredentialBelongsToOneAccountSiteWide() throws {
        _ = try register(&key)
        try accounts.addUser(email("bob@example.com"), password: "password one")
        let bob = try signIn("bob@example.com")
        var copy = key
        XCTAssertEqual(error { _ = try register(&copy, as: bob) }, .passkeyTaken)
        XCTAssertEqual(try store.loadUser(bob.user.id)?.passkeys, [])
        XCTAssertEqual(error { _ = try register(&key) }, .passkeyTaken, "nor twice on one account")
    }

    func testACounterThatGoesBackIsRefusedAndAudited() throws {
        _ = try register(&key)
        _ = try signInWithPasskey(&key)
        _ = try signInWithPasskey(&key)
        XCTAssertEqual(error { _ = try accounts.signInWithPasskey(key.assert(try accounts.passkeyRequestOptions(), count: 2),
                                                                  client: client) }, .passkeyRefused)
        XCTAssertTrue(audit.text.contains("\"event\":\"passkey_counter_regressed\""))
    }

    func testSignInWithoutAPasswordNeedsUserVerificationAndTheAccountsHandle() throws {
        _ = try register(&key)
        XCTAssertEqual(error { _ = try signInWithPasskey(&key, flags: 0x01) }, .passkeyRefused, "UV required")
        XCTAssertEqual(error { _ = try accounts.signInWithPasskey(key.assert(try accounts.passkeyRequestOptions(), handle: [1, 2, 3]),
                                                                  client: client) }, .passkeyRefused, "another handle")
        XCTAssertEqual(error { _ = try accounts.signInWithPasskey(key.assert(try accounts.passkeyRequestOptions(),
                                                                             origin: "http://localhost:8081"), client: client) },
                       .passkeyRefused, "another origin")
        var stranger = SoftPasskey()
        XCTAssertEqual(error { _ = try accounts.signInWithPasskey(stranger.assert(try accounts.passkeyRequestOptions()), client: client) },
                       .passkeyRefused, "a credential no account has")
    }

    func testAPasskeyIsTheSecondStepAfterThePassword() throws {
        _ = try register(&key)
        let enrolment = try accounts.beginTOTP(auth, issuer: "Example")
        _ = try accounts.confirmTOTP(try Accounts.totp.code(secret: Base32.decode(enrolment.secret)!, counter: Accounts.totp.step(at: clock.t)),
                                     try accounts.authenticate(token: "" + auth.token), client: client)
        guard case .secondStep(let ticket) = try accounts.signIn(username: "ann@example.com", password: "password one",
                                                                  clientIP: "b", secondFactor: .later) else { return XCTFail() }
        let options = try accounts.passkeyRequestOptions(ticket: ticket.token)
        guard case .array(let allowed)? = options["allowCredentials"] else { return XCTFail() }
        XCTAssertEqual(allowed.count, 1)
        // Not good for a sign-in without a password, nor for another ticket.
        XCTAssertEqual(error { _ = try accounts.signInWithPasskey(key.assert(options), client: client) }, .passkeyRefused)
        let opened = try accounts.completeSecondStep(ticket: ticket.token, answer: .passkey(key.assert(options, flags: 0x01)), client: client)
        XCTAssertEqual(try accounts.authenticate(token: opened.token).session.factors, [.password, .passkey])
    }

    func testRemovingAPasskeyFreesItAndEndsItsUse() throws {
        _ = try register(&key)
        XCTAssertEqual(error { try accounts.removePasskey(auth, id: "nope", client: client) }, .passkeyNotFound)
        try accounts.renamePasskey(auth, id: Base64.url(key.id), name: "  Phone  ")
        XCTAssertEqual(try store.loadUser(auth.user.id)?.passkeys.first?.name, "Phone")
        XCTAssertEqual(error { try accounts.renamePasskey(auth, id: Base64.url(key.id), name: "a\u{7}b") },
                       .invalidField(field: "name", reason: "must not contain control characters"))
        try accounts.removePasskey(auth, id: Base64.url(key.id), client: client)
        XCTAssertEqual(mail.sent.last?.template, "passkey-removed")
        XCTAssertEqual(mail.sent.last?.values["name"], "Phone")
        XCTAssertEqual(error { _ = try signInWithPasskey(&key) }, .passkeyRefused)
        XCTAssertNil(try store.owner(in: .passkeys, accounts.passkeyKey(Base64.url(key.id))))
    }

    /// Someone who had the session a while added a passkey and signed in
    /// with it: the owner removing it ends that session and every other,
    /// and keeps their own.
    func testRemovingAPasskeyEndsEveryOtherSession() throws {
        _ = try register(&key)
        clock.t += 60
        let taker = try signInWithPasskey(&key)
        let other = try signIn()
        try accounts.removePasskey(auth, id: Base64.url(key.id), client: client)
        for ended in [taker, other] {
            XCTAssertEqual(error { _ = try accounts.authenticate(token: ended.token) }, .notAuthenticated)
        }
        XCTAssertNoThrow(try accounts.authenticate(token: auth.token), "the session that removed it stays")
        XCTAssertTrue(audit.text.contains("\"event\":\"passkey_removed\""))
    }

    /// A removal frees the claim after the record lost the passkey; the same
    /// credential listed again in between (a registration racing it) is
    /// claimed back, never left listed without its index entry.
    func testAClaimFreedAfterTheCredentialCameBackIsTakenAgain() throws {
        let passkey = try register(&key)
        let indexKey = accounts.passkeyKey(passkey.id)
        try accounts.releaseClaim(of: passkey.id, userID: auth.user.id)
        XCTAssertEqual(try store.owner(in: .passkeys, indexKey), auth.user.id, "still listed: claimed back")
        try store.updateUser(auth.user.id) { $0.passkeys = [] }
        try accounts.releaseClaim(of: passkey.id, userID: auth.user.id)
        XCTAssertNil(try store.owner(in: .passkeys, indexKey))
    }

    func testAnAdministratorListsAndRemovesPasskeysAndEveryLoginEnds() throws {
        let ann = EmailAddress("ann@example.com")
        _ = try register(&key)
        var second = SoftPasskey()
        _ = try register(&second, name: "Phone")
        XCTAssertEqual(try accounts.passkeys(of: ann).map(\.name), ["Laptop", "Phone"])
        XCTAssertEqual(error { _ = try accounts.removePasskeys(of: ann, id: "nope") }, .passkeyNotFound)
        XCTAssertEqual(try accounts.removePasskeys(of: ann, id: Base64.url(second.id)).map(\.name), ["Phone"])
        XCTAssertEqual(error { _ = try accounts.authenticate(token: auth.token) }, .notAuthenticated)
        XCTAssertEqual(mail.sent.last?.template, "passkey-removed")
        XCTAssertNil(try store.owner(in: .passkeys, accounts.passkeyKey(Base64.url(second.id))))
        XCTAssertEqual(try accounts.removePasskeys(of: ann, id: nil).map(\.name), ["Laptop"])
        XCTAssertEqual(try accounts.passkeys(of: ann), [])
        XCTAssertEqual(error { _ = try signInWithPasskey(&key) }, .passkeyRefused)
        XCTAssertEqual(error { _ = try accounts.passkeys(of: EmailAddress("nobody@example.com")) }, .userNotFound)
    }

    /// Backup eligibility is the credential's for life: an assertion that
    /// says otherwise is refused, and BS without BE is malformed.
    func testBackupEligibilityMustNotChange() throws {
        _ = try register(&key)
        clock.t += 60
        XCTAssertEqual(error { _ = try signInWithPasskey(&key, flags: 0x05 | 0x08) }, .passkeyRefused)
        XCTAssertTrue(audit.text.contains("refused: backup eligibility (BE) changed since registration"))
        XCTAssertEqual(error { _ = try signInWithPasskey(&key, flags: 0x05 | 0x10) }, .passkeyRefused)
        XCTAssertTrue(audit.text.contains("malformed: backed up (BS) without backup eligibility (BE)"))
        XCTAssertNoThrow(try signInWithPasskey(&key))
    }

    func testTheListRoundTripsThroughItsText() {
        let list = [Passkey(id: "abc", publicKey: "def", signCount: 7, name: "Ann's key; é.", created: 5, lastUsed: 6, userVerified: true),
                    Passkey(id: "x", publicKey: "y", name: "", created: 1, backupEligible: true)]
        XCTAssertEqual(Passkey.list(Passkey.listText(list)), list)
        XCTAssertEqual(Passkey.list(""), [])
        XCTAssertNil(Passkey.list("a.b.c"))
    }
}
