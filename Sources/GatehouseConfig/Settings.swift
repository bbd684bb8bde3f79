import GatehouseSystem

/// Every configuration key, its default, its validator and the typed field
/// of `Config` it sets, in one table: each setting is declared here once.
/// Validators are pure: text in, value or a reason out. The documentation's key
/// table and `gatehousectl config` are generated from (and tested against)
/// this table, so documentation cannot drift from the code.
package struct Setting: Sendable {
    package let key: String
    package let defaultValue: String
    package let help: String
    /// Parses `text` into the field of `Config` this setting is bound to;
    /// what is wrong with it otherwise.
    let apply: @Sendable (String, inout Config) -> ConfigProblem?
}

package struct ConfigProblem: Error, Equatable, Sendable {
    package let reason: String
    package init(_ reason: String) { self.reason = reason }
}

package enum Settings {
    package static let all: [Setting] = [
        path("data_dir", "/var/lib/gatehouse", { $0.dataDir = $1 }, "Directory holding every record, the server key, the outbox, the events' spool and the breached-password filter (with store = postgresql: those but the records, the audit log and the Maildir only)."),
        choice("store", StoreKind.flatfile, { $0.store = $1 }, "Where accounts, sessions and codes live: flatfile (files in data_dir, one machine) or postgresql (one database shared by every machine)."),
        text("postgresql_dsn", "", { $0.postgresqlDsn = $1 }, "With store = postgresql: a libpq connection string, e.g. host=/run/postgresql dbname=gatehouse user=gatehouse."),
        path("postgresql_password_file", "", { $0.postgresqlPasswordFile = $1 }, "File holding the database password (kept out of this file); empty: none, or libpq's own (~/.pgpass, PGPASSWORD)."),
        choice("postgresql_tls", DatabaseTLS.auto, { $0.postgresqlTls = $1 }, "TLS to the database, which sees the server key, password hashes and sessions. auto: a database off this machine needs sslmode=verify-full (or verify-ca) in postgresql_dsn, with sslrootcert naming the CA, or Gatehouse refuses to start; a UNIX socket or a loopback address may go without. required: that on loopback too. off: postgresql_dsn as it is."),
        urlPath("prefix", "/account", { $0.prefix = $1 }, "URL prefix under which the endpoints are served."),
        int("max_body_bytes", 16384, 1024...1_048_576, { $0.maxBodyBytes = $1 }, "Largest request body accepted; larger gets 413."),
        int("argon2_memlimit_kib", 19456, 1024...4_194_304, { $0.argon2MemlimitKib = $1 }, "Argon2id memory cost in KiB (OWASP minimum: 19456)."),
        int("argon2_opslimit", 2, 1...20, { $0.argon2Opslimit = $1 }, "Argon2id time cost (passes)."),
        int("password_min_length", 8, 8...128, { $0.passwordMinLength = $1 }, "Shortest password accepted, in characters (after NFC)."),
        int("password_max_length", 128, 8...4096, { $0.passwordMaxLength = $1 }, "Longest password accepted, in characters."),
        duration("session_idle_timeout", "30m", 1...86_400 * 30, { $0.sessionIdleTimeout = $1 }, "A session unused this long ends."),
        duration("session_absolute_timeout", "12h", 1...86_400 * 365, { $0.sessionAbsoluteTimeout = $1 }, "A session ends this long after sign-in, used or not."),
        int("signin_free_failures", 5, 1...100, { $0.signinFreeFailures = $1 }, "Consecutive failed sign-ins of one account before its back-off starts."),
        duration("signin_backoff_base", "1s", 1...3600, { $0.signinBackoffBase = $1 }, "First back-off delay; doubles with every further failure."),
        duration("signin_backoff_max", "15m", 1...86_400, { $0.signinBackoffMax = $1 }, "Longest back-off delay."),
        int("signin_max_failures", 100, 1...100, { $0.signinMaxFailures = $1 }, "Consecutive failures after which an account is locked, until a password reset by e-mailed code or an administrator unlocks it (NIST SP 800-63B: at most 100)."),
        int("signin_failures_per_hour_per_ip", 100, 1...1_000_000, { $0.signinFailuresPerHourPerIp = $1 }, "Failed sign-ins (and wrong old passwords) from one client address per hour, across accounts; then 429 until the hour is over. Never locks an account; set high enough for many people behind one address."),
        int("ipv6_prefix_length", 64, 32...128, { $0.ipv6PrefixLength = $1 }, "Per-client limits count an IPv6 client by this many leading bits of its address (a subscriber usually has a whole /64)."),
        int("ipv4_wide_prefix_length", 24, 8...32, { $0.ipv4WidePrefixLength = $1 }, "Every per-client limit also counts by this wider IPv4 network, so that many addresses of one network are not that many budgets."),
        int("ipv6_wide_prefix_length", 48, 16...128, { $0.ipv6WidePrefixLength = $1 }, "Likewise for IPv6: the wider network (a /48 is one site's)."),
        int("wide_network_budget_factor", 8, 1...100_000, { $0.wideNetworkBudgetFactor = $1 }, "A wider network may spend this many times a client's hourly budget (sign-in failures, codes requested, wrong codes) before its clients get 429 too."),
        list("trusted_proxies", "", { $0.trustedProxies = $1 }, "Comma-separated proxy addresses whose X-Forwarded-For is believed; empty: use REMOTE_ADDR only."),
        token("cookie_name", "gatehouse_session", { $0.cookieName = $1 }, "Session cookie name; served over HTTPS it gets the __Host- prefix."),
        domain("cookie_domain", "", { $0.cookieDomain = $1 }, "Share the session with subdomains (e.g. example.org for www. and wiki.): the cookie gets Domain= and the __Secure- prefix instead of __Host-. Empty: this host only."),
        urlPath("signin_redirect", "/", keepingTrailingSlash: true, { $0.signinRedirect = $1 }, "Where a browser goes after signing in with the HTML form, unless it came with a return URL (rd) that may be followed."),
        origin("public_origin", "", { $0.publicOrigin = $1 }, "Where Gatehouse's own pages are (scheme://host[:port]), when verify protects applications on other hosts (with cookie_domain): its sign-in and step-up redirects go there. Empty: the protected request's own host, which then serves the prefix too."),
        list("allowed_redirect_hosts", "", { $0.allowedRedirectHosts = $1 }, "Other hosts (host or host:port) a return URL (rd) may point at after sign-in, e.g. the subdomains verify protects; this site itself is always allowed."),
        list("allowed_origins", "", { $0.allowedOrigins = $1 }, "Extra origins (scheme://host[:port]) allowed to post forms with a session cookie; the request's own host is always allowed."),
        language("default_locale", "en", { $0.defaultLocale = $1 }, "Language of the pages and mails for a browser whose Accept-Language names none of <templates_dir>/locales/*.txt (shipped: en, de)."),
        choice("log_level", LogLevel.info, { $0.logLevel = $1 }, "Least severe diagnostic written to the web server's error log."),
        int("counter_table_mib", 16, 1...4096, { $0.counterTableMib = $1 }, "Size of the table that holds every rate and failure counter (<data_dir>/counters.table, with store = flatfile), allocated whole when first made: 1 MiB holds 16,384 counters. Full, it forgets expired counters first, then, of those that refuse nothing, the one with the fewest counts. A change takes effect at the next gatehousectl gc."),
        int("data_dir_reserve_mib", 256, 0...1_048_576, { $0.dataDirReserveMiB = $1 }, "Free space (MiB) kept on the data directory's file system: inside it, audit lines go to the error log instead of the audit log, so a flood cannot fill the disk through it. 0: no reserve."),
        int("data_dir_reserve_inodes", 20_000, 0...100_000_000, { $0.dataDirReserveInodes = $1 }, "Free inodes kept on that file system, likewise. 0: no reserve."),
        path("audit_log", "", { $0.auditLogSetting = $1 }, "Append-only JSON-lines audit log; empty: <data_dir>/audit.log."),
        path("password_blocklist", "/usr/share/gatehouse/common-passwords.txt", { $0.passwordBlocklist = $1 }, "Common passwords refused as new passwords: one per line, lower-case, sorted bytewise (LC_ALL=C sort -u); deploy/blocklist/common-passwords.txt is the shipped list. Empty: none."),
        choice("breached_passwords", BreachCheck.refuse, { $0.breachedPasswords = $1 }, "A new password (a change, a reset, a sign-up, gatehousectl user add and set-password) that the breached-password corpus has, once gatehousectl breach import has made the filter (breach_filter); nothing is sent anywhere. refuse: refused (422, with the reason, never its count). warn: taken, and the answer says why it should be changed (JSON: a warning member; a page: a notice). off: not checked."),
        flag("breached_password_signin", false, { $0.breachedPasswordSignin = $1 }, "At a sign-in with a password the breached-password corpus has, ask the owner to change it: the token answer carries password_breached: true, the sign-in form goes on to the change-password page with the reason (not after a browser's second step, which opens its session later), and a password.breached event is sent. The sign-in itself goes ahead."),
        path("breach_filter", "", { $0.breachFilterSetting = $1 }, "The filter gatehousectl breach import writes from the corpus and every responder reads by memory map (a new import is picked up without a restart); empty: <data_dir>/breached-passwords.filter."),
        path("password_blocklist_site", "", { $0.passwordBlocklistSite = $1 }, "The site's own list, same format, checked as well. Empty: none."),
        duration("reauth_window", "10m", 60...86_400, { $0.reauthWindow = $1 }, "How recently the password (and the second factor, once enrolled) must have been entered in a session to enrol or remove a second factor, get new recovery codes, end other sessions, or (with a second factor) change the password. A sign-in counts; after that, the reauth page or POST <prefix>/reauth."),
        rpID("webauthn_rp_id", "", { $0.webauthnRpId = $1 }, "Passkeys: the site's WebAuthn relying party ID, a domain name (this host's, or a parent of it, e.g. example.org); never an IP address. localhost works over plain HTTP for a demo. Empty: no passkeys."),
        originList("webauthn_origins", "", { $0.webauthnOrigins = $1 }, "Passkeys: every origin (scheme://host[:port]) the pages that use them are served from, comma-separated, each on webauthn_rp_id or a subdomain of it, https (http only for localhost). A passkey response from any other origin is refused; the Host header is never asked."),
        duration("change_password_requires_otp_within", "0", 0...86_400, { $0.changePasswordRequiresOtpWithin = $1 }, "When not 0, change-password also needs a session that verified an e-mailed code this recently (step-up)."),
        int("otp_length", 6, 6...10, { $0.otpLength = $1 }, "Digits in an e-mailed code."),
        duration("otp_lifetime", "10m", 1...86_400, { $0.otpLifetime = $1 }, "How long a code stays valid."),
        int("otp_max_tries", 5, 1...20, { $0.otpMaxTries = $1 }, "Wrong guesses after which a code is dead."),
        int("otp_max_failures_per_hour", 10, 1...100, { $0.otpMaxFailuresPerHour = $1 }, "Wrong codes per account, purpose and client address per hour, across resends."),
        int("otp_verify_failures_per_hour_per_ip", 30, 1...1_000_000, { $0.otpVerifyFailuresPerHourPerIp = $1 }, "Wrong codes from one client address per hour, across every account."),
        duration("otp_send_cooldown", "60s", 0...3600, { $0.otpSendCooldown = $1 }, "Least time between two codes sent to one address."),
        int("otp_sends_per_hour_per_address", 5, 1...1000, { $0.otpSendsPerHourPerAddress = $1 }, "Codes sent to one address per hour."),
        int("otp_sends_per_hour_per_ip", 20, 1...100_000, { $0.otpSendsPerHourPerIp = $1 }, "Codes requested by one client address per hour."),
        int("otp_sends_per_hour_site", 1000, 1...10_000_000, { $0.otpSendsPerHourSite = $1 }, "Codes sent per hour by the whole site to clients without a session; see otp_site_cap."),
        choice("otp_site_cap", SiteCapAction.alarm, { $0.otpSiteCap = $1 }, "What passing otp_sends_per_hour_site does. alarm: an audit line and an error in the log, and sending goes on (anyone can spend a site-wide budget, and as a hard stop a few dozen networks would block every reset). refuse: 429 for clients without a session until the hour is over; signed-in step-ups are never refused by it."),
        flag("otp_unknown_address_404", false, { $0.otpUnknownAddress404 = $1 }, "Answer send-otp for an unknown address with the original's 404 \"User not found\" (reveals which addresses have accounts)."),
        flag("otp_login_enabled", false, { $0.otpLoginEnabled = $1 }, "Allow purpose=login: signing in with an e-mailed code alone (NIST SP 800-63B does not count e-mail as an authenticator)."),
        choice("signup_enabled", SignupSetting.no, { $0.signupEnabled = $1 }, "Self-service sign-up at <prefix>/signup. no: none (gatehousectl user add makes accounts). yes: anyone; the account exists once the code mailed to the address is verified. invitation: only an address gatehousectl invite mailed an invitation to (good for 7 days), which still verifies its code."),
        duration("deletion_grace", "7d", 0...31_536_000, { $0.deletionGrace = $1 }, "How long an account asked to be deleted (POST <prefix>/delete-account) can still be restored with the link mailed to it; gatehousectl gc deletes it for good after that. gatehousectl user del is always immediate."),
        flag("new_device_notice", true, { $0.newDeviceNotice = $1 }, "Mail the owner when their account signs in from a device it has not used in 90 days (its client network, a /24 or /48, and browser family, kept only as keyed hashes; an account's first device is its baseline), at most 3 such mails an hour, with a code that ends that session and sets a new password."),
        duration("reset_grant_lifetime", "10m", 1...86_400, { $0.resetGrantLifetime = $1 }, "Lifetime of the password-reset grant verify-otp returns."),
        path("templates_dir", "/usr/share/gatehouse/templates", { $0.templatesDir = $1 }, "Directory of the templates (deploy/templates): html/layout.html frames every page; mail/otp.txt and mail/password-changed.txt, and optionally the second factor's notices (mail/mfa-enabled.txt …; built-in English where missing), each with an optional .html twin."),
        text("site_name", "Gatehouse", { $0.siteName = $1 }, "The site's name as the mails show it."),
        text("mail_from", "Gatehouse <no-reply@localhost>", { $0.mailFrom = $1 }, "From: of every mail."),
        choice("mail_transport", MailTransportKind.maildir, { $0.mailTransport = $1 }, "How mail leaves: maildir (write to a Maildir), sendmail (pipe to a sendmail command), smtp (libcurl to a relay)."),
        path("maildir", "", { $0.maildirSetting = $1 }, "The Maildir for mail_transport = maildir; empty: <data_dir>/maildir."),
        text("sendmail_command", "/usr/sbin/sendmail -t -i", { $0.sendmailCommand = $1 }, "Command for mail_transport = sendmail (split on spaces; the message arrives on standard input)."),
        text("smtp_url", "smtp://127.0.0.1:25", { $0.smtpUrl = $1 }, "Relay for mail_transport = smtp: smtp://host:port or smtps://host:port."),
        choice("smtp_starttls", StartTLS.auto, { $0.smtpStarttls = $1 }, "STARTTLS on smtp:// relays. auto: required, except for a relay on this machine (localhost, 127.0.0.0/8, ::1), where optional. off or optional to a relay elsewhere is refused at start: codes would cross the network in the clear."),
        text("smtp_username", "", { $0.smtpUsername = $1 }, "SMTP AUTH user; empty: no AUTH."),
        path("smtp_password_file", "", { $0.smtpPasswordFile = $1 }, "File holding the SMTP AUTH password (kept out of this file)."),
        duration("mail_timeout", "10s", 1...300, { $0.mailTimeout = $1 }, "Time limit for one delivery attempt."),
        int("mail_max_attempts", 8, 1...100, { $0.mailMaxAttempts = $1 }, "Attempts before a message moves to the dead-letter folder (back-off doubles from one minute)."),
        command("hook_exec", "", { $0.hookExec = $1 }, "Events (docs/events.md): a program run once per account event with the event as JSON on standard input: an absolute path, then arguments split on spaces; no shell, an environment of PATH, LANG, GATEHOUSE_EVENT (the type) and GATEHOUSE_EVENT_ID only, and hook_timeout to finish. Exit status 0 is delivered; anything else is retried. Empty: none."),
        webhookURL("hook_url", "", { $0.hookUrl = $1 }, "Events: an http(s) URL each account event is POSTed to as JSON, signed as Standard Webhooks do (webhook-id, webhook-timestamp, webhook-signature: v1,base64 HMAC-SHA256 of id.timestamp.body under hook_secret_file's key). A 2xx answer is delivered; anything else is retried. http:// only to this machine. Empty: none."),
        path("hook_secret_file", "", { $0.hookSecretFile = $1 }, "File holding hook_url's signing secret, whsec_ and base64 of 24 to 64 random bytes (gatehousectl hooks secret makes one), read only by gatehousectl."),
        duration("hook_timeout", "5s", 1...60, { $0.hookTimeout = $1 }, "Time limit for one delivery of an event to hook_exec or hook_url (by gatehousectl hooks deliver)."),
        int("hook_max_attempts", 10, 1...100, { $0.hookMaxAttempts = $1 }, "Attempts before an event moves to the dead-letter folder of its sink (retried after 10 s, 1 min, 5 min, 30 min, then every 2 h)."),
    ]

    package static func named(_ key: String) -> Setting? {
        all.first { $0.key == key }
    }

    // MARK: validators

    /// A row of the table: `parse` checks the text, and the value goes into `field`.
    static func bound<T>(_ key: String, _ def: String, _ field: @escaping @Sendable (inout Config, T) -> Void, _ help: String,
                         _ parse: @escaping @Sendable (String) -> Result<T, ConfigProblem>) -> Setting {
        // A closure rather than a key path: a key path is made at run time
        // from its mangled types, which every CGI exec paid for each setting.
        Setting(key: key, defaultValue: def, help: help) { text, config in
            switch parse(text) {
            case .success(let value):
                field(&config, value)
                return nil
            case .failure(let problem):
                return problem
            }
        }
    }

    static func flag(_ key: String, _ def: Bool, _ field: @escaping @Sendable (inout Config, Bool) -> Void, _ help: String) -> Setting {
        bound(key, def ? "yes" : "no", field, help) { text in
            switch text.lowercased() {
            case "yes", "on", "true", "1": return .success(true)
            case "no", "off", "false", "0": return .success(false)
            default: return .failure(ConfigProblem("expected yes or no, got \"\(text)\""))
            }
        }
    }

    /// Free text on one line (no control characters).
    static func text(_ key: String, _ def: String, _ field: @escaping @Sendable (inout Config, String) -> Void, _ help: String) -> Setting {
        bound(key, def, field, help) { text in
            guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
                return .failure(ConfigProblem("must not contain control characters"))
            }
            return .success(text)
        }
    }

    static func int(_ key: String, _ def: Int, _ range: ClosedRange<Int>, _ field: @escaping @Sendable (inout Config, Int) -> Void,
                    _ help: String) -> Setting {
        bound(key, String(def), field, help) { text in
            guard let n = Int(text) else { return .failure(ConfigProblem("expected a whole number, got \"\(text)\"")) }
            guard range.contains(n) else {
                return .failure(ConfigProblem("must be between \(range.lowerBound) and \(range.upperBound), got \(n)"))
            }
            return .success(n)
        }
    }

    /// Seconds, or a number with s, m, h or d.
    static func duration(_ key: String, _ def: String, _ range: ClosedRange<Int>, _ field: @escaping @Sendable (inout Config, Int) -> Void,
                         _ help: String) -> Setting {
        bound(key, def, field, help) { text in
            var digits = Substring(text), scale = 1
            // A switch, not a dictionary literal: that would be built (and
            // its type looked up) for every duration at every CGI exec.
            switch text.utf8.last {
            case UInt8(ascii: "s"): scale = 1
            case UInt8(ascii: "m"): scale = 60
            case UInt8(ascii: "h"): scale = 3600
            case UInt8(ascii: "d"): scale = 86_400
            default: scale = 0
            }
            if scale == 0 { scale = 1 } else { digits = text.dropLast() }
            guard let n = Int(digits), n >= 0 else {
                return .failure(ConfigProblem("expected a duration like 90s, 30m, 12h or 7d, got \"\(text)\""))
            }
            let (seconds, overflow) = n.multipliedReportingOverflow(by: scale)
            guard !overflow, range.contains(seconds) else {
                return .failure(ConfigProblem("must be between \(range.lowerBound)s and \(range.upperBound)s, got \"\(text)\""))
            }
            return .success(seconds)
        }
    }

    static func path(_ key: String, _ def: String, _ field: @escaping @Sendable (inout Config, String) -> Void, _ help: String) -> Setting {
        bound(key, def, field, help) { text in
            if text.isEmpty { return .success("") }
            guard text.hasPrefix("/") || text.hasPrefix(".") else {
                return .failure(ConfigProblem("must be a path starting with / or ., got \"\(text)\""))
            }
            return .success(text)
        }
    }

    /// A program and its arguments, run without a shell: the program's
    /// path must be absolute (no search of a PATH someone else set).
    static func command(_ key: String, _ def: String, _ field: @escaping @Sendable (inout Config, [String]) -> Void, _ help: String) -> Setting {
        bound(key, def, field, help) { text in
            let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard let program = words.first else { return .success([]) }
            guard program.hasPrefix("/"), !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
                return .failure(ConfigProblem("must start with the program's absolute path, got \"\(text)\""))
            }
            return .success(words)
        }
    }

    /// Where events are POSTed: https, or http to this machine only (the
    /// body names accounts and client addresses).
    static func webhookURL(_ key: String, _ def: String, _ field: @escaping @Sendable (inout Config, String) -> Void, _ help: String) -> Setting {
        bound(key, def, field, help) { text in
            if text.isEmpty { return .success("") }
            let https = text.hasPrefix("https://")
            guard https || text.hasPrefix("http://"), !URLAuthority.host(of: text).isEmpty,
                  text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f }) else {
                return .failure(ConfigProblem("must be an http:// or https:// URL, got \"\(text)\""))
            }
            guard https || Loopback.contains(URLAuthority.host(of: text)) else {
                return .failure(ConfigProblem("http:// only to this machine (the events name accounts): use https://"))
            }
            return .success(text)
        }
    }

    /// A prefix loses a trailing slash (paths are joined to it); a page's
    /// address keeps it (`/account/` is the account home, `/account` may
    /// be served by nothing).
    static func urlPath(_ key: String, _ def: String, keepingTrailingSlash: Bool = false,
                        _ field: @escaping @Sendable (inout Config, String) -> Void, _ help: String) -> Setting {
        bound(key, def, field, help) { text in
            guard text.hasPrefix("/"), !text.contains("//"),
                  text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f && $0 != "?" && $0 != "#" }) else {
                return .failure(ConfigProblem("must be a URL path starting with /, got \"\(text)\""))
            }
            return .success(keepingTrailingSlash || text == "/" || !text.hasSuffix("/") ? text : String(text.dropLast()))
        }
    }

    static func token(_ key: String, _ def: String, _ field: @escaping @Sendable (inout Config, String) -> Void, _ help: String) -> Setting {
        bound(key, def, field, help) { text in
            guard !text.isEmpty, text.utf8.allSatisfy({
                (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 95 || $0 == 45
            }) else { return .failure(ConfigProblem("may hold only letters, digits, _ and -, got \"\(text)\"")) }
            return .success(text)
        }
    }

    /// A DNS name (letters, digits, - and dots), or empty. Not an IP
    /// address: browsers set Domain= cookies only for names.
    static func domain(_ key: String, _ def: String, _ field: @escaping @Sendable (inout Config, String) -> Void, _ help: String) -> Setting {
        bound(key, def, field, help, parseDomain)
    }

    @Sendable static func parseDomain(_ text: String) -> Result<String, ConfigProblem> {
        let name = text.hasPrefix(".") ? String(text.dropFirst()).lowercased() : text.lowercased()
        if name.isEmpty { return .success("") }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard name.count <= 253, labels.count >= 2, labels.allSatisfy({ label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.utf8.allSatisfy { (48...57).contains($0) || (97...122).contains($0) || $0 == 45 }
        }), !(labels.last!.utf8.allSatisfy { (48...57).contains($0) }) else {
            return .failure(ConfigProblem("must be a domain name such as example.org, got \"\(text)\""))
        }
        return .success(name)
    }

    /// A relying party ID: a domain name as for cookie_domain, or
    /// localhost (a secure context without TLS, for a demo); never an IP
    /// address (WebAuthn refuses one).
    static func rpID(_ key: String, _ def: String, _ field: @escaping @Sendable (inout Config, String) -> Void, _ help: String) -> Setting {
        bound(key, def, field, help) { text in
            if text.lowercased() == "localhost" { return .success("localhost") }
            return parseDomain(text).mapError {
                ConfigProblem($0.reason + " (an IP address cannot be a relying party ID: use a name, or localhost)")
            }
        }
    }

    /// A comma-separated list of origins, each as `origin` checks it.
    static func originList(_ key: String, _ def: String, _ field: @escaping @Sendable (inout Config, [String]) -> Void,
                           _ help: String) -> Setting {
        bound(key, def, field, help) { text in
            var out = [String]()
            for item in text.split(separator: ",").map({ String($0.filter { $0 != " " && $0 != "\t" }) }) where !item.isEmpty {
                switch parseOrigin(item) {
                case .success(let origin): out.append(origin)
                case .failure(let problem): return .failure(problem)
                }
            }
            return .success(out)
        }
    }

    /// A language tag as the catalogues are named: en, de, pt-br.
    static func language(_ key: String, _ def: String, _ field: @escaping @Sendable (inout Config, String) -> Void, _ help: String) -> Setting {
        bound(key, def, field, help) { text in
            let tag = text.lowercased()
            guard !tag.isEmpty, tag.count <= 35, tag.utf8.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 45 }),
                  !tag.hasPrefix("-") else {
                return .failure(ConfigProblem("must be a language tag such as en, de or pt-br, got \"\(text)\""))
            }
            return .success(tag)
        }
    }

    /// scheme://host[:port] with scheme http or https, or empty.
    static func origin(_ key: String, _ def: String, _ field: @escaping @Sendable (inout Config, String) -> Void, _ help: String) -> Setting {
        bound(key, def, field, help, parseOrigin)
    }

    @Sendable static func parseOrigin(_ text: String) -> Result<String, ConfigProblem> {
        if text.isEmpty { return .success("") }
        let lower = text.lowercased()
        let rest = lower.hasPrefix("https://") ? lower.dropFirst(8) : lower.hasPrefix("http://") ? lower.dropFirst(7) : ""
        guard !rest.isEmpty, rest.utf8.allSatisfy({
            (48...57).contains($0) || (97...122).contains($0) || $0 == 45 || $0 == 46 || $0 == 58 || $0 == 91 || $0 == 93
        }) else {
            return .failure(ConfigProblem("must be scheme://host[:port] such as https://auth.example.org, got \"\(text)\""))
        }
        return .success(lower)
    }

    static func list(_ key: String, _ def: String, _ field: @escaping @Sendable (inout Config, [String]) -> Void, _ help: String) -> Setting {
        bound(key, def, field, help) { text in
            .success(text.split(separator: ",").map { String($0.filter { $0 != " " && $0 != "\t" }) }.filter { !$0.isEmpty })
        }
    }

    /// One of a closed set of words: an enum, which every use switches on
    /// exhaustively.
    static func choice<E: RawRepresentable & CaseIterable & Sendable>(_ key: String, _ def: E, _ field: @escaping @Sendable (inout Config, E) -> Void,
                                                                    _ help: String) -> Setting where E.RawValue == String {
        bound(key, def.rawValue, field, help) { text in
            guard let value = E(rawValue: text) else {
                return .failure(ConfigProblem("must be one of \(E.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text)\""))
            }
            return .success(value)
        }
    }
}
