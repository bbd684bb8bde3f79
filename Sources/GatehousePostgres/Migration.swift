import GatehouseCore

/// A step of the schema. Each lives in Migrations/, named by its version;
/// `all` lists them in order. A step, once released, never changes: a new
/// one is added instead.
package struct Migration: Sendable {
    package let version: Int
    package let name: String
    let sql: String

    package static let all: [Migration] = [accounts, secondFactor, sessionFactors, passkeys, addresses, lifecycle]
}

extension PostgresStore {
    static let ledger = """
        CREATE TABLE IF NOT EXISTS gatehouse_migrations (
            version integer PRIMARY KEY,
            name text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """

    /// The versions applied, in order.
    package func appliedMigrations() throws -> [Int] {
        let exists = try connection.query("SELECT to_regclass('gatehouse_migrations') IS NOT NULL").first?[0] == "t"
        guard exists else { return [] }
        return try connection.query("SELECT version FROM gatehouse_migrations ORDER BY version").compactMap { $0[0].flatMap { Int($0) } }
    }

    /// Applies what is missing, each step in its own transaction, under an
    /// advisory lock so two machines migrating at once take turns. Returns
    /// the steps applied now.
    @discardableResult
    package func migrate() throws -> [Migration] {
        try connection.transaction {
            // The lock comes first: two CREATE TABLE IF NOT EXISTS at once
            // can still collide in the catalogue.
            try connection.query("SELECT pg_advisory_xact_lock(7262656)")
            try connection.query(PostgresStore.ledger)
            let done = Set(try appliedMigrations())
            var applied = [Migration]()
            for m in Migration.all where !done.contains(m.version) {
                try connection.execute(m.sql)
                try connection.query("INSERT INTO gatehouse_migrations (version, name) VALUES ($1, $2)", [String(m.version), m.name])
                applied.append(m)
            }
            return applied
        }
    }

    /// Throws `StoreError.notInitialized` unless every migration is applied:
    /// a responder must not start against an old schema.
    package func requireCurrentSchema() throws {
        let done = Set(try appliedMigrations())
        let missing = Migration.all.filter { !done.contains($0.version) }
        if !missing.isEmpty {
            throw StoreError.schemaBehind("the PostgreSQL schema lacks migration \(missing.map { String($0.version) }.joined(separator: ", ")) (run `gatehousectl init` or `gatehousectl db migrate`)")
        }
    }
}
