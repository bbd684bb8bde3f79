extension Migration {
    /// Sign-up, leaving, new devices: a sign-up's code carries the password
    /// hash of the account it makes once verified, an account asked to be
    /// deleted keeps the time it goes for good, and every account the
    /// devices it signed in from (keyed hashes).
    static let lifecycle = Migration(version: 6, name: "lifecycle", sql: """
        ALTER TABLE gatehouse_codes ADD COLUMN payload text NOT NULL DEFAULT '';
        ALTER TABLE gatehouse_users ADD COLUMN delete_after bigint NOT NULL DEFAULT 0;
        ALTER TABLE gatehouse_users ADD COLUMN known_devices text NOT NULL DEFAULT ''
        """)
}
