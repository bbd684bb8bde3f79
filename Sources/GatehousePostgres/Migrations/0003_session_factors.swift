extension Migration {
    /// What a session was proved with (comma-separated factors), when its
    /// password was last proved (the step-up window counts from there),
    /// the wrong codes against a second-step ticket, and the browser family
    /// for the person's list of sessions. Existing sessions read as
    /// password-only, never re-proved: a step-up asks them again. A new
    /// kind of record, the second-step ticket, joins sessions and grants.
    static let sessionFactors = Migration(version: 3, name: "session factors", sql: """
        ALTER TABLE gatehouse_sessions
            ADD COLUMN factors text NOT NULL DEFAULT '',
            ADD COLUMN reauth_at bigint NOT NULL DEFAULT 0,
            ADD COLUMN tries integer NOT NULL DEFAULT 0,
            ADD COLUMN browser text NOT NULL DEFAULT '',
            DROP CONSTRAINT gatehouse_sessions_kind_check,
            ADD CONSTRAINT gatehouse_sessions_kind_check CHECK (kind IN ('session', 'reset', 'second_step'))
        """)
}
