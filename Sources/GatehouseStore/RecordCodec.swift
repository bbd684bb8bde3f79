import GatehouseCore
import GatehouseFiles

/// Conversions between typed records and their text. Unknown keys are kept
/// out of the typed view but a missing required key is an error: fsck and
/// readers agree on what a valid record is.
enum RecordCodec {
    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    static func text(_ u: UserRecord) -> RecordText {
        RecordText(kind: "user", fields: [
            ("id", u.id), ("email", u.email.description), ("password", u.passwordHash),
            ("created", "\(u.created)"), ("password_changed", "\(u.passwordChanged)"),
            ("locked", u.lock.rawValue), ("email_verified", u.emailVerified ? "yes" : "no"),
            ("session_epoch", "\(u.sessionEpoch)"), ("generation", u.generation),
            ("surviving_session", u.survivingSession),
            ("totp_secret", u.secondFactor.totpSecret), ("totp_pending", u.secondFactor.pendingSecret),
            ("totp_last_step", "\(u.secondFactor.lastStep)"), ("recovery_codes", SecondFactor.slotsText(u.secondFactor.recoveryCodes)),
            ("passkeys", Passkey.listText(u.passkeys)), ("passkey_handle", u.passkeyHandle), ("email_undo", u.emailUndo),
            ("delete_after", "\(u.deleteAfter)"), ("known_devices", KnownDevice.listText(u.knownDevices)),
        ])
    }

    static func user(_ r: RecordText) throws -> UserRecord {
        UserRecord(id: try string(r, "id"), email: try address(r, "email"), passwordHash: try string(r, "password"),
                   created: try int(r, "created"), passwordChanged: try int(r, "password_changed"),
                   lock: try UserRecord.Lock(rawValue: string(r, "locked"))
                    ?? { throw Invalid(description: "field locked is not yes, no or failures") }(),
                   emailVerified: try bool(r, "email_verified"), sessionEpoch: Int(try int(r, "session_epoch")),
                   // Records written before these fields existed read as "".
                   generation: r["generation"] ?? "", survivingSession: r["surviving_session"] ?? "",
                   secondFactor: try secondFactor(r),
                   passkeys: try Passkey.list(r["passkeys"] ?? "") ?? { throw Invalid(description: "field passkeys is not a list of passkeys") }(),
                   passkeyHandle: r["passkey_handle"] ?? "", emailUndo: r["email_undo"] ?? "",
                   deleteAfter: try optionalInt(r, "delete_after"),
                   knownDevices: try KnownDevice.list(r["known_devices"] ?? "")
                    ?? { throw Invalid(description: "field known_devices is not a list of devices") }())
    }

    /// Absent in records written before second factors: none.
    static func secondFactor(_ r: RecordText) throws -> SecondFactor {
        guard let step = Int64(r["totp_last_step"] ?? "0") else { throw Invalid(description: "field totp_last_step is not a number") }
        return SecondFactor(totpSecret: r["totp_secret"] ?? "", pendingSecret: r["totp_pending"] ?? "", lastStep: step,
                            recoveryCodes: SecondFactor.slots(r["recovery_codes"] ?? ""))
    }

    static func text(_ s: SessionRecord) -> RecordText {
        RecordText(kind: "session", fields: [
            ("id", s.id), ("user", s.userID), ("created", "\(s.created)"), ("last_seen", "\(s.lastSeen)"),
            ("epoch", "\(s.epoch)"), ("generation", s.generation), ("otp_verified_at", "\(s.otpVerifiedAt)"), ("client_ip", s.clientIP),
            ("kind", s.kind.rawValue), ("factors", AuthFactor.text(s.factors)), ("reauth_at", "\(s.reauthAt)"),
            ("tries", "\(s.tries)"), ("browser", s.browser),
        ])
    }

    static func text(_ c: CodeRecord) -> RecordText {
        RecordText(kind: "code", fields: [
            ("id", c.id), ("user", c.userID), ("purpose", c.purpose), ("code_hash", c.codeHash),
            ("created", "\(c.created)"), ("expires", "\(c.expires)"), ("tries", "\(c.tries)"), ("payload", c.payload),
        ])
    }

    static func code(_ r: RecordText) throws -> CodeRecord {
        CodeRecord(id: try string(r, "id"), userID: try string(r, "user"), purpose: try string(r, "purpose"),
                   codeHash: try string(r, "code_hash"), created: try int(r, "created"), expires: try int(r, "expires"),
                   tries: Int(try int(r, "tries")), payload: r["payload"] ?? "")
    }

    static func session(_ r: RecordText) throws -> SessionRecord {
        SessionRecord(id: try string(r, "id"), userID: try string(r, "user"), created: try int(r, "created"),
                      lastSeen: try int(r, "last_seen"), epoch: Int(try int(r, "epoch")), generation: r["generation"] ?? "",
                      otpVerifiedAt: try int(r, "otp_verified_at"), clientIP: r["client_ip"] ?? "",
                      kind: try SessionRecord.Kind(rawValue: r["kind"] ?? "session")
                        ?? { throw Invalid(description: "unknown session kind") }(),
                      // Absent in sessions opened before second factors.
                      factors: AuthFactor.list(r["factors"] ?? ""), reauthAt: try optionalInt(r, "reauth_at"),
                      tries: Int(try optionalInt(r, "tries")), browser: r["browser"] ?? "")
    }

    /// Counters are rewritten in place with pwrite, so their text has a fixed
    /// width: a shorter rewrite would leave the tail of the longer one.
    private static func string(_ r: RecordText, _ key: String) throws -> String {
        guard let v = r[key] else { throw Invalid(description: "missing field \(key)") }
        return v
    }

    private static func address(_ r: RecordText, _ key: String) throws -> EmailAddress {
        guard let email = try? EmailAddress.parse(try string(r, key)).get() else {
            throw Invalid(description: "field \(key) is not an e-mail address")
        }
        return email
    }

    private static func int(_ r: RecordText, _ key: String) throws -> Int64 {
        guard let v = Int64(try string(r, key)) else { throw Invalid(description: "field \(key) is not a number") }
        return v
    }

    private static func optionalInt(_ r: RecordText, _ key: String) throws -> Int64 {
        guard let text = r[key] else { return 0 }
        guard let v = Int64(text) else { throw Invalid(description: "field \(key) is not a number") }
        return v
    }

    private static func bool(_ r: RecordText, _ key: String) throws -> Bool {
        switch try string(r, key) {
        case "yes": return true
        case "no": return false
        default: throw Invalid(description: "field \(key) is not yes/no")
        }
    }
}

/// What the flat-file store needs to know of a record type: where it lives,
/// its header kind, and its text both ways.
protocol StoredRecord {
    static var collection: FlatFileStore.Collection { get }
    static var header: String { get }
    var id: String { get }
    var text: RecordText { get }
    init(_ text: RecordText) throws
}

extension UserRecord: StoredRecord {
    static let collection = FlatFileStore.Collection.users
    static let header = "user"
    var text: RecordText { RecordCodec.text(self) }
    init(_ text: RecordText) throws { self = try RecordCodec.user(text) }
}

extension SessionRecord: StoredRecord {
    static let collection = FlatFileStore.Collection.sessions
    static let header = "session"
    var text: RecordText { RecordCodec.text(self) }
    init(_ text: RecordText) throws { self = try RecordCodec.session(text) }
}

extension CodeRecord: StoredRecord {
    static let collection = FlatFileStore.Collection.codes
    static let header = "code"
    var text: RecordText { RecordCodec.text(self) }
    init(_ text: RecordText) throws { self = try RecordCodec.code(text) }
}
