#if canImport(Glibc)
import Glibc
#endif
import CLibPQ
import GatehouseCore

/// One libpq connection, synchronous, owned by one process (a FastCGI
/// worker serves one request at a time, so one connection each). Text
/// parameters and results only: every value Gatehouse stores has a text
/// form. A server that cannot be reached is `StoreError.unavailable`.
///
/// A lost connection is reset and the statement run again only outside a
/// transaction, where every statement Gatehouse issues is safe to repeat: a
/// read; an upsert or an update to fixed values; an INSERT, which then
/// finds its row taken (an error, never a false yes); a `DELETE …
/// RETURNING` that consumes something, which then finds nothing (a
/// refusal). Inside a transaction, never: the transaction died with its
/// connection, and running the rest of it, or its COMMIT, on a new one
/// would report as done what the server threw away. A COMMIT whose answer
/// is lost has an unknown outcome, and unknown is not yes: 503.
/// `@unchecked Sendable`: a connection belongs to one process, which uses
/// it for one request at a time (responders and gatehousectl are single
/// threaded); libpq connections must not be shared between threads anyway.
final class Connection: @unchecked Sendable {
    let conninfo: String
    let pq: LibPQ
    private var conn: OpaquePointer?
    private var inTransaction = false
    /// Statements with parameters are prepared once per connection (their
    /// name by their text): the server parses and plans each once, not at
    /// every request. A new connection starts with none.
    private var prepared: [String: String] = [:]

    init(conninfo: String) throws {
        self.conninfo = conninfo
        pq = try LibPQ.loaded.get()
        conn = pq.connectdb(conninfo)
        guard pq.status(conn) == CONNECTION_OK else {
            let reason = message()
            pq.finish(conn)
            conn = nil
            throw StoreError.unavailable(reason)
        }
        quietNotices()
    }

    /// The server's NOTICEs ("relation already exists, skipping") are not
    /// for the web server's error log or an administrator's terminal.
    private func quietNotices() {
        _ = pq.setNoticeProcessor(conn, { _, _ in }, nil)
    }

    /// A script of several statements without parameters (a migration).
    func execute(_ script: String) throws {
        let result = pq.exec(conn, script)
        defer { pq.clear(result) }
        guard pq.resultStatus(result) == PGRES_COMMAND_OK || pq.resultStatus(result) == PGRES_TUPLES_OK else {
            if pq.status(conn) != CONNECTION_OK { throw StoreError.unavailable(message()) }
            throw StoreError.database(message())
        }
    }

    deinit { if let conn { pq.finish(conn) } }

    func message() -> String {
        guard let conn, let m = pq.errorMessage(conn) else { return "no connection" }
        return String(cString: m).split(separator: "\n").first.map(String.init) ?? ""
    }

    /// Rows of text columns (nil for SQL NULL). `repeatable: false` for a
    /// statement that must not run twice (a compare-and-swap: were its
    /// answer lost, running it again would find its own write and take it
    /// for another's): a lost connection is then `unavailable`, not a retry.
    @discardableResult
    func query(_ sql: String, _ params: [String?] = [], repeatable: Bool = true) throws -> [[String?]] {
        if conn == nil || pq.status(conn) != CONNECTION_OK {
            guard !inTransaction else { throw StoreError.unavailable("connection lost in a transaction") }
            try reconnect()
        }
        if !repeatable { try beforeUnrepeatable?() }
        var result = run(sql, params)
        if result == nil || (pq.resultStatus(result) == PGRES_FATAL_ERROR && pq.status(conn) != CONNECTION_OK) {
            pq.clear(result)
            guard !inTransaction else { throw StoreError.unavailable("connection lost in a transaction: \(message())") }
            guard repeatable else { throw StoreError.unavailable("connection lost; the statement's outcome is unknown: \(message())") }
            try reconnect()
            result = run(sql, params)
        }
        defer { pq.clear(result) }
        return try rows(result)
    }

    private func rows(_ result: OpaquePointer?) throws -> [[String?]] {
        switch pq.resultStatus(result) {
        case PGRES_COMMAND_OK:
            return []
        case PGRES_TUPLES_OK:
            var rows = [[String?]]()
            let n = pq.ntuples(result), m = pq.nfields(result)
            rows.reserveCapacity(Int(n))
            for r in 0..<n {
                rows.append((0..<m).map { c in
                    pq.getisnull(result, r, c) == 1 ? nil : pq.getvalue(result, r, c).map { String(cString: $0) }
                })
            }
            return rows
        default:
            if pq.status(conn) != CONNECTION_OK { throw StoreError.unavailable(message()) }
            let state = pq.resultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
            if state == "23505" { throw StoreError.exists }
            let text = pq.resultErrorMessage(result).map { String(cString: $0) } ?? "query failed"
            throw StoreError.database("\(state) \(text.split(separator: "\n").first ?? "")")
        }
    }

    private func run(_ sql: String, _ params: [String?]) -> OpaquePointer? {
        if params.isEmpty { return pq.execParams(conn, sql, 0, nil, nil, nil, nil, 0) }
        let name: String
        if let known = prepared[sql] {
            name = known
        } else {
            name = "gatehouse_\(prepared.count)"
            let result = pq.prepare(conn, name, sql, Int32(params.count), nil)
            // A failure here is the statement's: the caller reads it.
            guard pq.resultStatus(result) == PGRES_COMMAND_OK else { return result }
            pq.clear(result)
            prepared[sql] = name
        }
        var cParams: [UnsafeMutablePointer<CChar>?] = params.map { $0.map { strdup($0) } ?? nil }
        defer { cParams.forEach { free($0) } }
        return cParams.withUnsafeMutableBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buf.count) {
                pq.execPrepared(conn, name, Int32(params.count), $0, nil, nil, 0)
            }
        }
    }

    private func reconnect() throws {
        prepared.removeAll()
        if let conn { pq.reset(conn) } else { conn = pq.connectdb(conninfo) }
        guard pq.status(conn) == CONNECTION_OK else { throw StoreError.unavailable(message()) }
        quietNotices()
    }

    /// Run just before COMMIT is sent, and before a statement that must
    /// not run twice; only tests set them (to lose the connection at the
    /// worst moment).
    var beforeCommit: (() throws -> Void)?
    var beforeUnrepeatable: (() throws -> Void)?

    /// One transaction around `body`: committed if it returns, rolled back
    /// if it throws. Returns only once the server has said COMMIT.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try query("BEGIN")
        inTransaction = true
        defer { inTransaction = false }
        let value: T
        do {
            value = try body()
            try beforeCommit?()
        } catch {
            _ = try? query("ROLLBACK")
            throw error
        }
        try commit()
        return value
    }

    /// The server answers a COMMIT of a transaction that had already failed
    /// with "ROLLBACK", and a lost connection answers nothing: neither is a
    /// commit.
    private func commit() throws {
        let result = run("COMMIT", [])
        defer { pq.clear(result) }
        guard pq.status(conn) == CONNECTION_OK else {
            throw StoreError.unavailable("connection lost at COMMIT; the transaction's outcome is unknown: \(message())")
        }
        _ = try rows(result)
        let tag = pq.cmdStatus(result).map { String(cString: $0) } ?? ""
        guard tag == "COMMIT" else { throw StoreError.database("COMMIT answered \(tag.isEmpty ? "nothing" : tag)") }
    }
}
