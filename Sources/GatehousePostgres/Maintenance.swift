import GatehouseCore

extension PostgresStore: StoreMaintenance {
    /// gc in the database: each candidate row is judged and deleted in one
    /// transaction, on the row as it is then.
    package func collectGarbage(sessionDead: (SessionRecord) -> Bool, codeDead: (CodeRecord) -> Bool,
                               counterDead: (CounterRecord) -> Bool) throws -> GCReport {
        var report = GCReport()
        for s in try allSessions() where try updateSession(s.id, durable: true, { !sessionDead($0) }) == nil {
            report.sessions += 1
        }
        for c in try allCodes() { if case .removed = try updateCode(c.id, { !codeDead($0) }) { report.codes += 1 } }
        for row in try connection.query("SELECT id FROM gatehouse_counters") {
            guard let id = row[0] else { continue }
            let removed = try connection.transaction {
                guard let r = try connection.query("SELECT count, last, until FROM gatehouse_counters WHERE id = $1 FOR UPDATE",
                                                   [id]).first, counterDead(try counter(r)) else { return false }
                try connection.query("DELETE FROM gatehouse_counters WHERE id = $1", [id])
                return true
            }
            if removed { report.counters += 1 }
        }
        return report
    }

    /// fsck in the database: the schema is current and every row reads as
    /// a record (the tables' constraints keep most damage out already).
    /// Returns how many rows were read and what was wrong.
    package func check() throws -> (checked: Int, problems: [String]) {
        var problems = [String]()
        do { try requireCurrentSchema() } catch { problems.append("\(error)") }
        var checked = 0
        for (table, columns, decode) in [
            ("gatehouse_users", Self.userColumns, { (r: [String?]) throws in _ = try self.user(r) }),
            ("gatehouse_sessions", Self.sessionColumns, { (r: [String?]) throws in _ = try self.session(r) }),
            ("gatehouse_codes", Self.codeColumns, { (r: [String?]) throws in _ = try self.code(r) }),
        ] {
            for row in try connection.query("SELECT \(columns) FROM \(table)") {
                checked += 1
                do { try decode(row) } catch { problems.append("\(table) \(row.first.flatMap { $0 } ?? "?"): \(error)") }
            }
        }
        return (checked, problems)
    }
}

extension PostgresStore {
    /// Empties every table (tests only: each starts from nothing).
    package func wipeForTests() throws {
        try connection.execute("TRUNCATE gatehouse_users, gatehouse_sessions, gatehouse_codes, gatehouse_counters, gatehouse_server_files, gatehouse_passkeys, gatehouse_addresses")
    }
}
