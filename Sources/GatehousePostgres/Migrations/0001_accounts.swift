extension Migration {
    /// Accounts, sessions and grants, codes, counters, server files.
    /// Credentials, sessions and codes are durable tables; the counters are
    /// UNLOGGED (a crash may lose them, as a power cut may lose the flat
    /// files' in-place counters: it costs nothing).
    static let accounts = Migration(version: 1, name: "accounts", sql: """
        CREATE TABLE gatehouse_users (
            id text PRIMARY KEY,
            email text NOT NULL,
            password_hash text NOT NULL,
            created bigint NOT NULL,
            password_changed bigint NOT NULL,
            locked text NOT NULL DEFAULT 'no' CHECK (locked IN ('no', 'yes', 'failures')),
            email_verified boolean NOT NULL DEFAULT false,
            session_epoch integer NOT NULL DEFAULT 0,
            generation text NOT NULL DEFAULT '',
            surviving_session text NOT NULL DEFAULT ''
        );
        CREATE TABLE gatehouse_sessions (
            id text PRIMARY KEY,
            user_id text NOT NULL,
            created bigint NOT NULL,
            last_seen bigint NOT NULL,
            epoch integer NOT NULL,
            generation text NOT NULL DEFAULT '',
            otp_verified_at bigint NOT NULL DEFAULT 0,
            client_ip text NOT NULL DEFAULT '',
            kind text NOT NULL DEFAULT 'session' CHECK (kind IN ('session', 'reset'))
        );
        CREATE INDEX gatehouse_sessions_user ON gatehouse_sessions (user_id);
        CREATE TABLE gatehouse_codes (
            id text PRIMARY KEY,
            user_id text NOT NULL,
            purpose text NOT NULL,
            code_hash text NOT NULL,
            created bigint NOT NULL,
            expires bigint NOT NULL,
            tries integer NOT NULL DEFAULT 0
        );
        CREATE UNLOGGED TABLE gatehouse_counters (
            id text PRIMARY KEY,
            count integer NOT NULL DEFAULT 0,
            last bigint NOT NULL DEFAULT 0,
            until bigint NOT NULL DEFAULT 0
        );
        CREATE TABLE gatehouse_server_files (
            name text PRIMARY KEY,
            content text NOT NULL
        );
        """)
}
