extension Migration {
    /// Passkeys: each account's list (in its row, so that a counter or a
    /// name is decided under the row's lock like the second factor) and
    /// its random user handle; and the site-wide index of credentials, whose
    /// primary key makes a credential one account's at most. A deleted
    /// account's claims go with it.
    static let passkeys = Migration(version: 4, name: "passkeys", sql: """
        ALTER TABLE gatehouse_users
            ADD COLUMN passkeys text NOT NULL DEFAULT '',
            ADD COLUMN passkey_handle text NOT NULL DEFAULT '';
        CREATE TABLE gatehouse_passkeys (
            id text PRIMARY KEY,
            user_id text NOT NULL REFERENCES gatehouse_users (id) ON DELETE CASCADE
        );
        CREATE INDEX gatehouse_passkeys_user ON gatehouse_passkeys (user_id)
        """)
}
