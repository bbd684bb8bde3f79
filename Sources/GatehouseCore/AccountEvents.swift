import GatehouseJSON
import GatehouseSystem

/// Something that happened to an account that the site's own code may act
/// on (docs/events.md): a sign-up, a sign-in, a password changed, a factor
/// added, an account deleted. Made from the audit line of the same
/// happening (written to the audit log, or to the error log when that
/// cannot be), and carries only what the audit line carries: never a
/// password, code, token or hash.
package struct AccountEvent: Sendable {
    /// `signin.succeeded`, `account.deleted`, … (`AccountEvent.types`).
    package let type: String
    package let time: Int64
    /// The account's address and the client's, where the event has them,
    /// then the audit line's own details.
    package let data: [(String, JSONValue)]

    package init(type: String, time: Int64, data: [(String, JSONValue)]) {
        self.type = type
        self.time = time
        self.data = data
    }

    /// The body a sink receives: the Standard Webhooks payload shape
    /// (`type`, `timestamp`, `data`) with the event's own `id`, which the
    /// HTTP sink also sends as `webhook-id` so that a receiver can drop a
    /// repeat.
    package func payload(id: String) -> [UInt8] {
        Array(JSONValue.object([
            ("id", .string(id)), ("type", .string(type)), ("timestamp", .string(UTCTime.rfc3339(time))), ("data", .object(data)),
        ]).serialized().utf8)
    }

    /// Audit events that are account events, and the type each becomes.
    /// An audit line not named here (a refusal, a throttled flood, a code
    /// sent) is no event: what a site acts on is what changed an account or
    /// let someone into it.
    package static let types: [String: String] = [
        "signup_completed": "account.created",
        "user_added": "account.created",
        "user_imported": "account.created",
        "signin_ok": "signin.succeeded",
        "new_device": "signin.new_device",
        "new_device_unannounced": "signin.new_device",
        "signin_backoff": "signin.failed",
        "password_breached_at_signin": "password.breached",
        "account_locked": "account.locked",
        "account_locked_by_admin": "account.locked",
        "second_factor_locked": "account.locked",
        "password_set_by_admin": "password.reset",
        "mfa_enabled": "mfa.enabled",
        "mfa_disabled": "mfa.disabled",
        "mfa_reset_by_admin": "mfa.disabled",
        "mfa_undone": "mfa.disabled",
        "passkey_added": "passkey.added",
        "passkey_removed": "passkey.removed",
        "passkey_removed_by_admin": "passkey.removed",
        "email_changed": "email.changed",
        "email_change_undone": "email.reverted",
        "account_deletion_requested": "account.deletion_requested",
        "account_restored": "account.restored",
        "account_purged": "account.deleted",
        "user_deleted": "account.deleted",
    ]

    /// The event an audit line makes, if any. `password_changed` is a
    /// change or a reset by what proved it.
    package static func from(audit event: String, time: Int64, user: EmailAddress?, ip: String?,
                             _ extra: [(String, JSONValue)]) -> AccountEvent? {
        var type: String
        if event == "password_changed" {
            let viaReset = extra.contains { $0.0 == "method" && $0.1 == .string("reset") }
            type = viaReset ? "password.reset" : "password.changed"
        } else {
            guard let mapped = types[event] else { return nil }
            type = mapped
        }
        var data = [(String, JSONValue)]()
        if let user { data.append(("email", .string(user.description))) }
        if let ip, !ip.isEmpty { data.append(("ip", .string(ip))) }
        data += extra
        return AccountEvent(type: type, time: time, data: data)
    }

}

/// Where account events go: a durable spool that a maintenance run
/// delivers to the site's program and URL. Never fails the request: the
/// event has happened, and a sink that cannot take it logs why.
package protocol EventSink: Sendable {
    /// `how` is never `.none` (nothing is asked then).
    func publish(_ event: AccountEvent, _ how: EventOutcome)
}

/// What an audit line does for the site's hooks.
package enum EventOutcome: Sendable {
    /// Its event, if it is one (`AccountEvent.types`), handed over for
    /// delivery once the request has answered.
    case publish
    /// The same, left to the next maintenance run: for events of a path
    /// whose work after the answer must not say whether the address has
    /// an account (a failed sign-in's).
    case publishLater
    /// The disk work of `publishLater`, and no event: a request about an
    /// address without an account must cost what one about an account costs.
    case decoy
    /// No event: a budget held it back; the audit line says what happened.
    case none
}
