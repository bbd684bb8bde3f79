import GatehouseCrypto
import GatehouseSystem

/// The new-device notice. A device is a client network (an IPv4 /24, an
/// IPv6 /48) and a browser family, remembered only as a keyed hash in a
/// short list on the account with when it last signed in. A sign-in from
/// one the account has not used in `deviceMemory` mails the owner the
/// time, network and browser, and a code for `sessions/not-me` that ends
/// that very session and gives a password reset: whoever signed in knew
/// the password.
///
/// An account's first device (no list yet: new, or from before the
/// notice) is its baseline and tells no one. The mails are counted per
/// account, so someone who has the password cannot bury the owner in them.
extension Accounts {
    static let deviceMemory: Int64 = 90 * 86_400
    static let knownDevicesKept = 20
    static let deviceNoticesPerHour = 3
    /// How long a "this wasn't me" code works.
    static let notMeWindow: Int64 = 7 * 86_400

    func deviceKey(clientIP: String, browser: String) -> String {
        keys.hex(deviceNetwork(clientIP) + "\u{0}" + browser, domain: "device", length: 16)
    }

    func deviceNetwork(_ clientIP: String) -> String {
        ClientNetwork.readable(clientIP, ipv4PrefixLength: 24, ipv6PrefixLength: 48)
    }

    /// After a session opened: the device remembered (a write at most once
    /// a day per device), and the owner told of a new one. Never fails the
    /// sign-in: it has happened.
    func recogniseDevice(_ user: UserRecord, session: String, client: ClientInfo, browser: String, now: Int64, announce: Bool) {
        guard policy.newDeviceNotice else { return }
        let key = deviceKey(clientIP: client.ip, browser: browser)
        if let known = user.knownDevices.first(where: { $0.key == key }), now - known.lastSeen < 86_400 { return }
        var isNew = false
        do {
            try store.updateUser(user.id) { u in
                let recent = u.knownDevices.filter { now - $0.lastSeen < Self.deviceMemory }
                isNew = !u.knownDevices.isEmpty && !recent.contains { $0.key == key }
                u.knownDevices = Array((recent.filter { $0.key != key } + [KnownDevice(key: key, lastSeen: now)])
                    .suffix(Self.knownDevicesKept))
            }
            guard isNew, announce else { return }
            if try take([Budget(key: keys.hex(user.id, domain: "new-device-hour"), window: RateWindow(limit: Self.deviceNoticesPerHour))],
                        now: now) != nil {
                audit.record("new_device_unannounced", at: now, user: user.email, ip: client.ip, [("reason", .string("hourly limit"))],
                             hooks: signInEvent(user, now: now))
                return
            }
        } catch {
            logger.error("new-device check not done: \(error)")
            return
        }
        audit.record("new_device", at: now, user: user.email, ip: client.ip, [("browser", .string(browser))],
                     hooks: signInEvent(user, now: now))
        let expires = now + Self.notMeWindow
        notify(user, "new-device", client: client, now: now, [
            "network": deviceNetwork(client.ip), "browser": browser, "not_me_page": policy.notMePage,
            "not_me": notMeToken(user.id, session: session, expires: expires), "days": String(Self.notMeWindow / 86_400),
        ])
    }

    /// The account's id, the session's, the hour the code ends, and a
    /// keyed proof over them.
    func notMeToken(_ uid: String, session: String, expires: Int64) -> String {
        let hour = MailedToken.hour(ending: expires)
        return MailedToken(ids: [uid, session], hour: hour, proof: notMeProof(uid, session: session, hour: hour)).encoded
    }

    func notMeProof(_ uid: String, session: String, hour: Int64) -> [UInt8] {
        keys.hash([uid, session, String(hour)].joined(separator: "\u{0}"), domain: "not-me", length: 16)
    }

    /// POST sessions/not-me: the session the mail was about ends (if it
    /// has not), and the answer is a password-reset grant, as for a code
    /// mailed for a reset. Once per code: a spent mark in the counters,
    /// decided under its lock (losing it would only give the mailbox's
    /// holder a second grant, which a reset code gives them anyway).
    package func notMe(_ token: String, client: ClientInfo) throws -> OpenedSession {
        let now = clock.now()
        guard let t = MailedToken(decoding: token, ids: 2) else { throw AccountError.invalidCode }
        let (uid, session, hour) = (t.ids[0], t.ids[1], t.hour)
        guard hour * 3600 > now, constantTimeEqual(t.proof, notMeProof(uid, session: session, hour: hour)) else {
            throw AccountError.invalidCode
        }
        var spent = false
        try store.updateCounter(keys.hex(session, domain: "not-me-spent")) { c in
            if c.count > 0 {
                spent = true
            } else {
                c.count = 1
                c.last = now
                c.expires = hour * 3600
                c.holdUntil = c.expires
            }
        }
        guard !spent, let user = try store.loadUser(uid) else { throw AccountError.invalidCode }
        let ended = try store.deleteSession(session)
        audit.record("not_me", at: now, user: user.email, ip: client.ip, [("session_ended", .bool(ended))])
        return try openResetGrant(for: user, clientIP: client.ip)
    }
}
