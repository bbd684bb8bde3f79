import GatehouseJSON
import GatehouseSystem
@testable import GatehouseWebAuthn
import TestSupport
import XCTest

/// The ceremonies against responses from the tests' software
/// authenticator (Fixtures/, made by tests/fixtures/make_webauthn_fixtures.py),
/// one per algorithm; each check is shown refusing its bad input.
final class CeremonyTests: XCTestCase {
    struct Fixture {
        let registration: JSONValue
        let assertion: JSONValue
        let challenge: [UInt8]
    }

    let rp = RelyingParty(id: "localhost", origins: ["http://localhost:8080"])

    func fixture(_ name: String) throws -> Fixture {
        let dir = String(#filePath.dropLast("CeremonyTests.swift".count))
        let json = try JSONParser.parse(try TestFiles.read(dir + "Fixtures/\(name).json"))
        guard case .string(let c)? = json["challenge"] else { throw WebAuthnError.malformed("fixture \(name) without a challenge") }
        return Fixture(registration: json["registration"]!, assertion: json["assertion"]!, challenge: Base64URL.decode(c)!)
    }

    /// The fixture's value with one member replaced at a path of keys.
    func replacing(_ value: JSONValue, _ path: [String], with new: JSONValue) -> JSONValue {
        guard case .object(let members) = value, let key = path.first else { return new }
        return .object(members.map { $0.0 == key ? ($0.0, replacing($0.1, Array(path.dropFirst()), with: new)) : $0 })
    }

    func registered(_ f: Fixture) throws -> RegistrationResponse.Credential {
        try RegistrationResponse(json: f.registration).verify(rp: rp, requireUserVerification: true)
    }

    func testEachAlgorithmRegistersAndSignsIn() throws {
        for (name, alg) in [("es256", -7), ("eddsa", -8), ("rs256", -257)] {
            let f = try fixture(name)
            let response = try RegistrationResponse(json: f.registration)
            XCTAssertEqual(response.clientData.challenge, f.challenge)
            XCTAssertEqual(response.format, "none")
            let credential = try registered(f)
            XCTAssertEqual(credential.algorithm, alg, name)
            XCTAssertTrue(credential.userVerified)
            XCTAssertEqual(credential.transports, ["internal"])
            let assertion = try AssertionResponse(json: f.assertion)
            XCTAssertEqual(assertion.credentialID, credential.id)
            XCTAssertEqual(assertion.userHandle, Array(repeating: UInt8(ascii: "u"), count: 32))
            let verified = try assertion.verify(publicKey: credential.publicKey, storedSignCount: 0,
                                                backupEligible: false, rp: rp, requireUserVerification: true)
            XCTAssertEqual(verified, AssertionResponse.Verified(signCount: 1, userVerified: true), name)
        }
    }

    func testAnotherOriginOrRPIDIsRefused() throws {
        let f = try fixture("es256")
        let other = RelyingParty(id: "localhost", origins: ["https://localhost:8080", "http://localhost"])
        XCTAssertThrowsError(try RegistrationResponse(json: f.registration).verify(rp: other, requireUserVerification: false))
        let credential = try registered(f)
        let assertion = try AssertionResponse(json: f.assertion)
        for bad in [other, RelyingParty(id: "example.com", origins: rp.origins)] {
            XCTAssertThrowsError(try assertion.verify(publicKey: credential.publicKey, storedSignCount: 0,
                                                      backupEligible: false, rp: bad, requireUserVerification: false)) { error in
                guard case WebAuthnError.refused = error else { return XCTFail("\(error)") }
            }
        }
    }

    func testARegistrationIsNoAssertionNorTheOtherWayRound() throws {
        let f = try fixture("es256")
        let credential = try registered(f)
        // The assertion's client data in a registration: type webauthn.get.
        let swapped = replacing(f.registration, ["response", "clientDataJSON"], with: f.assertion["response"]!["clientDataJSON"]!)
        XCTAssertThrowsError(try RegistrationResponse(json: swapped).verify(rp: rp, requireUserVerification: false)) { error in
            XCTAssertEqual(error as? WebAuthnError, .refused("clientData type webauthn.get, not webauthn.create"))
        }
        let other = replacing(f.assertion, ["response", "clientDataJSON"], with: f.registration["response"]!["clientDataJSON"]!)
        XCTAssertThrowsError(try AssertionResponse(json: other).verify(publicKey: credential.publicKey, storedSignCount: 0,
                                                                       backupEligible: false, rp: rp, requireUserVerification: false))
    }

    /// Flags are checked before the signature, so flipping one shows the
    /// flag's own check; the signature then fails too.
    func testUserPresenceAlwaysAndVerificationWhenRequired() throws {
        let f = try fixture("es256")
        let credential = try registered(f)
        guard case .string(let ad)? = f.assertion["response"]!["authenticatorData"] else { return XCTFail() }
        for (flags, required, want) in [(UInt8(0x04), false, "user not present"), (UInt8(0x01), true, "user not verified")] {
            var bytes = Base64URL.decode(ad)!
            bytes[32] = flags
            let changed = replacing(f.assertion, ["response", "authenticatorData"], with: .string(Base64URL.encode(bytes)))
            XCTAssertThrowsError(try AssertionResponse(json: changed).verify(publicKey: credential.publicKey, storedSignCount: 0,
                                                                             backupEligible: false, rp: rp, requireUserVerification: required)) { error in
                XCTAssertEqual(error as? WebAuthnError, .refused(want))
            }
        }
    }

    /// A credential's backup eligibility never changes (§6.1.3), and no
    /// authenticator backs up what it says cannot be.
    func testBackupFlagsAreChecked() throws {
        let f = try fixture("es256")
        let credential = try registered(f)
        guard case .string(let ad)? = f.assertion["response"]!["authenticatorData"] else { return XCTFail() }
        var bytes = Base64URL.decode(ad)!
        let changed = replacing(f.assertion, ["response", "authenticatorData"], with: .string(Base64URL.encode(bytes)))
        XCTAssertThrowsError(try AssertionResponse(json: changed).verify(publicKey: credential.publicKey, storedSignCount: 0,
                                                                         backupEligible: true, rp: rp,
                                                                         requireUserVerification: false)) { error in
            XCTAssertEqual(error as? WebAuthnError, .refused("backup eligibility (BE) changed since registration"))
        }
        bytes[32] |= 0x10
        XCTAssertThrowsError(try AuthenticatorData(bytes)) { error in
            XCTAssertEqual(error as? WebAuthnError, .malformed("backed up (BS) without backup eligibility (BE)"))
        }
        bytes[32] |= 0x08
        XCTAssertNoThrow(try AuthenticatorData(bytes))
    }

    func testTheSignatureIsOverTheseBytesWithThisKey() throws {
        for name in ["es256", "eddsa", "rs256"] {
            let f = try fixture(name)
            let credential = try registered(f)
            guard case .string(let sig)? = f.assertion["response"]!["signature"] else { return XCTFail() }
            var bytes = Base64URL.decode(sig)!
            bytes[bytes.count - 1] ^= 1
            let flipped = replacing(f.assertion, ["response", "signature"], with: .string(Base64URL.encode(bytes)))
            XCTAssertThrowsError(try AssertionResponse(json: flipped).verify(publicKey: credential.publicKey, storedSignCount: 0,
                                                                             backupEligible: false, rp: rp, requireUserVerification: false)) { error in
                XCTAssertEqual(error as? WebAuthnError, .refused("signature"), name)
            }
            // Another credential's key.
            let otherKey = try registered(try fixture(name == "es256" ? "eddsa" : "es256")).publicKey
            XCTAssertThrowsError(try AssertionResponse(json: f.assertion).verify(publicKey: otherKey, storedSignCount: 0,
                                                                                 backupEligible: false, rp: rp, requireUserVerification: false))
        }
    }

    func testACounterThatDoesNotGoForwardIsRefused() throws {
        let f = try fixture("es256")
        let credential = try registered(f)
        let assertion = try AssertionResponse(json: f.assertion)
        XCTAssertThrowsError(try assertion.verify(publicKey: credential.publicKey, storedSignCount: 1,
                                                  backupEligible: false, rp: rp, requireUserVerification: false)) { error in
            XCTAssertEqual(error as? WebAuthnError, .counterWentBack(stored: 1, presented: 1))
        }
    }

    func testTheCredentialMustBeTheOneNamedAndAttestationIsNotTrusted() throws {
        let f = try fixture("es256")
        let elsewhere = replacing(f.registration, ["rawId"], with: .string(Base64URL.encode([1, 2, 3])))
        XCTAssertThrowsError(try RegistrationResponse(json: elsewhere)) // id and rawId differ
        let renamed = replacing(replacing(f.registration, ["rawId"], with: .string("AQID")), ["id"], with: .string("AQID"))
        XCTAssertThrowsError(try RegistrationResponse(json: renamed).verify(rp: rp, requireUserVerification: false)) { error in
            XCTAssertEqual(error as? WebAuthnError, .refused("the credential id is not the one the client named"))
        }
        // An unknown attestation format is refused; "none" with a statement too.
        guard case .string(let ao)? = f.registration["response"]!["attestationObject"],
              case .map(let pairs) = try CBOR.decode(Base64URL.decode(ao)!) else { return XCTFail() }
        XCTAssertEqual(pairs.count, 3)
    }

    func testMalformedJSONShapesAreRefused() throws {
        let f = try fixture("es256")
        for broken in [replacing(f.assertion, ["type"], with: .string("password")),
                       replacing(f.assertion, ["response", "signature"], with: .string("!!")),
                       replacing(f.assertion, ["response", "userHandle"], with: .int(3)),
                       replacing(f.assertion, ["response"], with: .null)] {
            XCTAssertThrowsError(try AssertionResponse(json: broken)) { error in
                guard case WebAuthnError.malformed = error else { return XCTFail("\(error)") }
            }
        }
    }
}
