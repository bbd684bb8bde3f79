/// Every configuration key, its default and its validator, in one table.
/// Validators are pure: text in, value or a reason out. The README's key
/// table and `gatehousectl config` are generated from (and tested against)
/// this table, so documentation cannot drift from the code.
public struct Setting: Sendable {
    public let key: String
    public let defaultValue: String
    public let help: String
    public let parse: @Sendable (String) -> Result<ConfigValue, ConfigProblem>
}

public enum ConfigValue: Equatable, Sendable {
    case int(Int)
    case text(String)
    case list([String])
    case flag(Bool)
}

public struct ConfigProblem: Error, Equatable, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
}

public enum Settings {
    public static let all: [Setting] = [
        path("data_dir", "/var/lib/gatehouse", "Directory holding every record, the server key and the outbox (with store = postgresql: the outbox, the audit log and the Maildir only)."),
        oneOf("store", "flatfile", ["flatfile", "postgresql"], "Where accounts, sessions and codes live: flatfile (files in data_dir, one machine) or postgresql (one database shared by every machine)."),
        text("postgresql_dsn", "", "With store = postgresql: a libpq connection string, e.g. host=/run/postgresql dbname=gatehouse user=gatehouse."),
        path("postgresql_password_file", "", "File holding the database password (kept out of this file); empty: none, or libpq's own (~/.pgpass, PGPASSWORD)."),
        oneOf("postgresql_tls", "auto", ["auto", "required", "off"], "TLS to the database, which sees the server key, password hashes and sessions. auto: a database off this machine needs sslmode=verify-full (or verify-ca) in postgresql_dsn, with sslrootcert naming the CA, or Gatehouse refuses to start; a UNIX socket or a loopback address may go without. required: that on loopback too. off: postgresql_dsn as it is."),
        urlPath("prefix", "/account", "URL prefix under which the endpoints are served."),
        int("max_body_bytes", 16384, 1024...1_048_576, "Largest request body accepted; larger gets 413."),
        int("argon2_memlimit_kib", 19456, 1024...4_194_304, "Argon2id memory cost in KiB (OWASP minimum: 19456)."),
        int("argon2_opslimit", 2, 1...20, "Argon2id time cost (passes)."),
        int("password_min_length", 8, 8...128, "Shortest password accepted, in characters (after NFC)."),
        int("password_max_length", 128, 8...4096, "Longest password accepted, in characters."),
        duration("session_idle_timeout", "30m", 1...86_400 * 30, "A session unused this long ends."),
        duration("session_absolute_timeout", "12h", 1...86_400 * 365, "A session ends this long after sign-in, used or not."),
        int("signin_free_failures", 5, 1...100, "Consecutive failed sign-ins of one account before its back-off starts."),
        duration("signin_backoff_base", "1s", 1...3600, "First back-off delay; doubles with every further failure."),
        duration("signin_backoff_max", "15m", 1...86_400, "Longest back-off delay."),
        int("signin_max_failures", 100, 1...100, "Consecutive failures after which an account is locked, until a password reset by e-mailed code or an administrator unlocks it (NIST SP 800-63B: at most 100)."),
        int("signin_failures_per_hour_per_ip", 100, 1...1_000_000, "Failed sign-ins (and wrong old passwords) from one client address per hour, across accounts; then 429 until the hour is over. Never locks an account; set high enough for many people behind one address."),
        int("ipv6_prefix_length", 64, 32...128, "Per-client limits count an IPv6 client by this many leading bits of its address (a subscriber usually has a whole /64)."),
        int("ipv4_wide_prefix_length", 24, 8...32, "Every per-client limit also counts by this wider IPv4 network, so that many addresses of one network are not that many budgets."),
        int("ipv6_wide_prefix_length", 48, 16...128, "Likewise for IPv6: the wider network (a /48 is one site's)."),
        int("wide_network_budget_factor", 8, 1...100_000, "A wider network may spend this many times a client's hourly budget (sign-in failures, codes requested, wrong codes) before its clients get 429 too."),
        list("trusted_proxies", "", "Comma-separated proxy addresses whose X-Forwarded-For is believed; empty: use REMOTE_ADDR only."),
        token("cookie_name", "gatehouse_session", "Session cookie name; served over HTTPS it gets the __Host- prefix."),
        domain("cookie_domain", "", "Share the session with subdomains (e.g. example.org for www. and wiki.): the cookie gets Domain= and the __Secure- prefix instead of __Host-. Empty: this host only."),
        urlPath("signin_redirect", "/", "Where a browser goes after signing in with the HTML form, unless it came with a return URL (rd) that may be followed."),
        origin("public_origin", "", "Where Gatehouse's own pages are (scheme://host[:port]), when verify protects applications on other hosts (with cookie_domain): its sign-in and step-up redirects go there. Empty: the protected request's own host, which then serves the prefix too."),
        list("allowed_redirect_hosts", "", "Other hosts (host or host:port) a return URL (rd) may point at after sign-in, e.g. the subdomains verify protects; this site itself is always allowed."),
        list("allowed_origins", "", "Extra origins (scheme://host[:port]) allowed to post forms with a session cookie; the request's own host is always allowed."),
        language("default_locale", "en", "Language of the pages and mails for a browser whose Accept-Language names none of <templates_dir>/locales/*.txt (shipped: en, de)."),
        oneOf("log_level", "info", ["debug", "info", "notice", "warning", "error"], "Least severe diagnostic written to the web server's error log."),
        int("counter_table_mib", 16, 1...4096, "Size of the table that holds every rate and failure counter (<data_dir>/counters.table, with store = flatfile), allocated whole when first made: 1 MiB holds 16,384 counters. Full, it forgets expired counters first, then, of those that refuse nothing, the one with the fewest counts. A change takes effect at the next gatehousectl gc."),
        int("data_dir_reserve_mib", 256, 0...1_048_576, "Free space (MiB) kept on the data directory's file system: inside it, audit lines go to the error log instead of the audit log, so a flood cannot fill the disk through it. 0: no reserve."),
        int("data_dir_reserve_inodes", 20_000, 0...100_000_000, "Free inodes kept on that file system, likewise. 0: no reserve."),
        path("audit_log", "", "Append-only JSON-lines audit log; empty: <data_dir>/audit.log."),
        path("password_blocklist", "/usr/share/gatehouse/common-passwords.txt", "Common passwords refused as new passwords: one per line, lower-case, sorted bytewise (LC_ALL=C sort -u); deploy/blocklist/common-passwords.txt is the shipped list. Empty: none."),
        path("password_blocklist_site", "", "The site's own list, same format, checked as well. Empty: none."),
        duration("change_password_requires_otp_within", "0", 0...86_400, "When not 0, change-password also needs a session that verified an e-mailed code this recently (step-up)."),
        int("otp_length", 6, 6...10, "Digits in an e-mailed code."),
        duration("otp_lifetime", "10m", 1...86_400, "How long a code stays valid."),
        int("otp_max_tries", 5, 1...20, "Wrong guesses after which a code is dead."),
        int("otp_max_failures_per_hour", 10, 1...100, "Wrong codes per account, purpose and client address per hour, across resends."),
        int("otp_verify_failures_per_hour_per_ip", 30, 1...1_000_000, "Wrong codes from one client address per hour, across every account."),
        duration("otp_send_cooldown", "60s", 0...3600, "Least time between two codes sent to one address."),
        int("otp_sends_per_hour_per_address", 5, 1...1000, "Codes sent to one address per hour."),
        int("otp_sends_per_hour_per_ip", 20, 1...100_000, "Codes requested by one client address per hour."),
        int("otp_sends_per_hour_site", 1000, 1...10_000_000, "Codes sent per hour by the whole site to clients without a session; see otp_site_cap."),
        oneOf("otp_site_cap", "alarm", ["alarm", "refuse"], "What passing otp_sends_per_hour_site does. alarm: an audit line and an error in the log, and sending goes on (anyone can spend a site-wide budget, and as a hard stop a few dozen networks would block every reset). refuse: 429 for clients without a session until the hour is over; signed-in step-ups are never refused by it."),
        flag("otp_unknown_address_404", false, "Answer send-otp for an unknown address with the original's 404 \"User not found\" (reveals which addresses have accounts)."),
        flag("otp_login_enabled", false, "Allow purpose=login: signing in with an e-mailed code alone (NIST SP 800-63B does not count e-mail as an authenticator)."),
        duration("reset_grant_lifetime", "10m", 1...86_400, "Lifetime of the password-reset grant verify-otp returns."),
        path("templates_dir", "/usr/share/gatehouse/templates", "Directory of the templates (deploy/templates): html/layout.html frames every page; mail/otp.txt and mail/password-changed.txt, with optional .html twins."),
        text("site_name", "Gatehouse", "The site's name as the mails show it."),
        text("mail_from", "Gatehouse <no-reply@localhost>", "From: of every mail."),
        oneOf("mail_transport", "maildir", ["maildir", "sendmail", "smtp"], "How mail leaves: maildir (write to a Maildir), sendmail (pipe to a sendmail command), smtp (libcurl to a relay)."),
        path("maildir", "", "The Maildir for mail_transport = maildir; empty: <data_dir>/maildir."),
        text("sendmail_command", "/usr/sbin/sendmail -t -i", "Command for mail_transport = sendmail (split on spaces; the message arrives on standard input)."),
        text("smtp_url", "smtp://127.0.0.1:25", "Relay for mail_transport = smtp: smtp://host:port or smtps://host:port."),
        oneOf("smtp_starttls", "auto", ["auto", "off", "optional", "required"], "STARTTLS on smtp:// relays. auto: required, except for a relay on this machine (localhost, 127.0.0.0/8, ::1), where optional. off or optional to a relay elsewhere is refused at start: codes would cross the network in the clear."),
        text("smtp_username", "", "SMTP AUTH user; empty: no AUTH."),
        path("smtp_password_file", "", "File holding the SMTP AUTH password (kept out of this file)."),
        duration("mail_timeout", "10s", 1...300, "Time limit for one delivery attempt."),
        int("mail_max_attempts", 8, 1...100, "Attempts before a message moves to the dead-letter folder (back-off doubles from one minute)."),
    ]

    public static func named(_ key: String) -> Setting? {
        all.first { $0.key == key }
    }

    // MARK: validators

    static func flag(_ key: String, _ def: Bool, _ help: String) -> Setting {
        Setting(key: key, defaultValue: def ? "yes" : "no", help: help) { text in
            switch text.lowercased() {
            case "yes", "on", "true", "1": return .success(.flag(true))
            case "no", "off", "false", "0": return .success(.flag(false))
            default: return .failure(ConfigProblem("expected yes or no, got \"\(text)\""))
            }
        }
    }

    /// Free text on one line (no control characters).
    static func text(_ key: String, _ def: String, _ help: String) -> Setting {
        Setting(key: key, defaultValue: def, help: help) { text in
            guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
                return .failure(ConfigProblem("must not contain control characters"))
            }
            return .success(.text(text))
        }
    }

    static func int(_ key: String, _ def: Int, _ range: ClosedRange<Int>, _ help: String) -> Setting {
        Setting(key: key, defaultValue: String(def), help: help) { text in
            guard let n = Int(text) else { return .failure(ConfigProblem("expected a whole number, got \"\(text)\"")) }
            guard range.contains(n) else {
                return .failure(ConfigProblem("must be between \(range.lowerBound) and \(range.upperBound), got \(n)"))
            }
            return .success(.int(n))
        }
    }

    /// Seconds, or a number with s, m, h or d.
    static func duration(_ key: String, _ def: String, _ range: ClosedRange<Int>, _ help: String) -> Setting {
        Setting(key: key, defaultValue: def, help: help) { text in
            let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
            var digits = Substring(text), scale = 1
            if let last = text.last, let u = units[last] { digits = text.dropLast(); scale = u }
            guard let n = Int(digits), n >= 0 else {
                return .failure(ConfigProblem("expected a duration like 90s, 30m, 12h or 7d, got \"\(text)\""))
            }
            let (seconds, overflow) = n.multipliedReportingOverflow(by: scale)
            guard !overflow, range.contains(seconds) else {
                return .failure(ConfigProblem("must be between \(range.lowerBound)s and \(range.upperBound)s, got \"\(text)\""))
            }
            return .success(.int(seconds))
        }
    }

    static func path(_ key: String, _ def: String, _ help: String) -> Setting {
        Setting(key: key, defaultValue: def, help: help) { text in
            if text.isEmpty { return .success(.text("")) }
            guard text.hasPrefix("/") || text.hasPrefix(".") else {
                return .failure(ConfigProblem("must be a path starting with / or ., got \"\(text)\""))
            }
            return .success(.text(text))
        }
    }

    static func urlPath(_ key: String, _ def: String, _ help: String) -> Setting {
        Setting(key: key, defaultValue: def, help: help) { text in
            guard text.hasPrefix("/"), !text.contains("//"),
                  text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f && $0 != "?" && $0 != "#" }) else {
                return .failure(ConfigProblem("must be a URL path starting with /, got \"\(text)\""))
            }
            return .success(.text(text == "/" || !text.hasSuffix("/") ? text : String(text.dropLast())))
        }
    }

    static func token(_ key: String, _ def: String, _ help: String) -> Setting {
        Setting(key: key, defaultValue: def, help: help) { text in
            guard !text.isEmpty, text.utf8.allSatisfy({
                (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 95 || $0 == 45
            }) else { return .failure(ConfigProblem("may hold only letters, digits, _ and -, got \"\(text)\"")) }
            return .success(.text(text))
        }
    }

    /// A DNS name (letters, digits, - and dots), or empty. Not an IP
    /// address: browsers set Domain= cookies only for names.
    static func domain(_ key: String, _ def: String, _ help: String) -> Setting {
        Setting(key: key, defaultValue: def, help: help) { text in
            let name = text.hasPrefix(".") ? String(text.dropFirst()).lowercased() : text.lowercased()
            if name.isEmpty { return .success(.text("")) }
            let labels = name.split(separator: ".", omittingEmptySubsequences: false)
            guard name.count <= 253, labels.count >= 2, labels.allSatisfy({ label in
                !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.utf8.allSatisfy { (48...57).contains($0) || (97...122).contains($0) || $0 == 45 }
            }), !(labels.last!.utf8.allSatisfy { (48...57).contains($0) }) else {
                return .failure(ConfigProblem("must be a domain name such as example.org, got \"\(text)\""))
            }
            return .success(.text(name))
        }
    }

    /// A language tag as the catalogues are named: en, de, pt-br.
    static func language(_ key: String, _ def: String, _ help: String) -> Setting {
        Setting(key: key, defaultValue: def, help: help) { text in
            let tag = text.lowercased()
            guard !tag.isEmpty, tag.count <= 35, tag.utf8.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 45 }),
                  !tag.hasPrefix("-") else {
                return .failure(ConfigProblem("must be a language tag such as en, de or pt-br, got \"\(text)\""))
            }
            return .success(.text(tag))
        }
    }

    /// scheme://host[:port] with scheme http or https, or empty.
    static func origin(_ key: String, _ def: String, _ help: String) -> Setting {
        Setting(key: key, defaultValue: def, help: help) { text in
            if text.isEmpty { return .success(.text("")) }
            let lower = text.lowercased()
            let rest = lower.hasPrefix("https://") ? lower.dropFirst(8) : lower.hasPrefix("http://") ? lower.dropFirst(7) : ""
            guard !rest.isEmpty, rest.utf8.allSatisfy({
                (48...57).contains($0) || (97...122).contains($0) || $0 == 45 || $0 == 46 || $0 == 58 || $0 == 91 || $0 == 93
            }) else {
                return .failure(ConfigProblem("must be scheme://host[:port] such as https://auth.example.org, got \"\(text)\""))
            }
            return .success(.text(lower))
        }
    }

    static func list(_ key: String, _ def: String, _ help: String) -> Setting {
        Setting(key: key, defaultValue: def, help: help) { text in
            let items = text.split(separator: ",").map { String($0.filter { $0 != " " && $0 != "\t" }) }.filter { !$0.isEmpty }
            return .success(.list(items))
        }
    }

    static func oneOf(_ key: String, _ def: String, _ choices: [String], _ help: String) -> Setting {
        Setting(key: key, defaultValue: def, help: help) { text in
            guard choices.contains(text) else {
                return .failure(ConfigProblem("must be one of \(choices.joined(separator: ", ")), got \"\(text)\""))
            }
            return .success(.text(text))
        }
    }
}
