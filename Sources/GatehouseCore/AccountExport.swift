import GatehouseJSON
import GatehouseSystem

/// GET export (step-up window): the person's data as JSON. The account,
/// its factors without a secret or hash, its sessions, and the audit
/// lines about its address. Reading the audit log is the costly part, so
/// exports are counted per account (only its own sessions can spend that).
extension Accounts {
    package static let exportsPerHour = 10
    /// The newest audit lines an export carries.
    package static let exportAuditLines = 1000

    package func exportAccount(_ auth: Authenticated, client: ClientInfo) throws -> JSONValue {
        try requireRecentAuthentication(auth)
        let now = clock.now()
        if let spent = try take([Budget(key: keys.hex(auth.user.id, domain: "export-hour"), window: RateWindow(limit: Self.exportsPerHour))],
                                now: now) {
            throw AccountError.throttled(retryAfter: spent.wait)
        }
        let u = auth.user
        let time = { (t: Int64) -> JSONValue in t > 0 ? .string(UTCTime.rfc3339(t)) : .null }
        // The address the account had before a change still being undone
        // is in lines about it too, up to the change: after it, the address
        // was free for anyone to take.
        var spans = [AuditTrail.AddressSpan(u.email, from: u.created)]
        if let undo = pendingUndo(u, now: now) {
            spans.append(AuditTrail.AddressSpan(undo.address, from: u.created, until: undo.expires - Int64(policy.emailChangeUndoWindow)))
        }
        let sessions = try sessions(of: auth).map { s -> JSONValue in
            .object([("created", time(s.record.created)), ("last_seen", time(s.record.lastSeen)),
                     ("browser", .string(s.record.browser)), ("client_ip", .string(s.record.clientIP)),
                     ("factors", .array(s.record.factors.map { .string($0.rawValue) })), ("current", .bool(s.current))])
        }
        let passkeys = u.passkeys.map { p -> JSONValue in
            .object([("id", .string(p.id)), ("name", .string(p.name)), ("created", time(p.created)), ("last_used", time(p.lastUsed)),
                     ("user_verified", .bool(p.userVerified)), ("synced", .bool(p.backupEligible))])
        }
        let export = JSONValue.object([
            ("exported_at", time(now)),
            ("account", .object([
                ("email", .string(u.email.description)), ("email_verified", .bool(u.emailVerified)), ("created", time(u.created)),
                ("password_changed", time(u.passwordChanged)), ("locked", .bool(u.locked)),
            ])),
            ("factors", .object([
                ("authenticator_app", .bool(u.secondFactor.enabled)), ("recovery_codes_left", .int(u.secondFactor.recoveryCodesLeft)),
                ("passkeys", .array(passkeys)),
            ])),
            ("sessions", .array(sessions)),
            ("audit", .array(try audit.lines(about: spans, limit: Self.exportAuditLines))),
        ])
        audit.record("account_exported", at: now, user: u.email, ip: client.ip)
        return export
    }
}
