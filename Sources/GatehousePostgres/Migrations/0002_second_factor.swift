extension Migration {
    /// An account's second factor: the sealed TOTP secret (and one awaiting
    /// confirmation), the last time step accepted, the keyed hashes of the
    /// unused recovery codes (comma-separated). Empty for every existing
    /// account: no second factor.
    static let secondFactor = Migration(version: 2, name: "second factor", sql: """
        ALTER TABLE gatehouse_users
            ADD COLUMN totp_secret text NOT NULL DEFAULT '',
            ADD COLUMN totp_pending text NOT NULL DEFAULT '',
            ADD COLUMN totp_last_step bigint NOT NULL DEFAULT 0,
            ADD COLUMN recovery_codes text NOT NULL DEFAULT ''
        """)
}
