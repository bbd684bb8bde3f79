extension Migration {
    /// The address index: an account's id no longer comes from its address,
    /// so that the address can change. Each existing account's id is the
    /// keyed hash of its address, which is the index's key for it: the
    /// index is filled from the accounts as they are, and no id, session,
    /// code or factor changes. And the pending undo of a change of address.
    static let addresses = Migration(version: 5, name: "addresses", sql: """
        CREATE TABLE gatehouse_addresses (
            id text PRIMARY KEY,
            user_id text NOT NULL REFERENCES gatehouse_users (id) ON DELETE CASCADE
        );
        CREATE INDEX gatehouse_addresses_user ON gatehouse_addresses (user_id);
        INSERT INTO gatehouse_addresses (id, user_id) SELECT id, id FROM gatehouse_users;
        ALTER TABLE gatehouse_users ADD COLUMN email_undo text NOT NULL DEFAULT ''
        """)
}
