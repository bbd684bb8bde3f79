#if canImport(Glibc)
import Glibc
#endif

/// Whole-store walks for `gatehousectl gc` and `fsck`. Never on a request path.
public struct GCReport: Equatable, Sendable {
    public var sessions = 0
    public var codes = 0
    public var counters = 0
}

public struct FsckFinding: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable { case corrupt, strayTemp = "stray-temp", badMode = "bad-mode", misplaced }
    public let kind: Kind
    public let path: String
    public let detail: String
    public var repaired: Bool

    public var description: String {
        "\(kind.rawValue) \(path): \(detail)\(repaired ? " (repaired)" : "")"
    }
}

extension FlatFileStore {
    /// Removes sessions for which `sessionDead` holds and counters for which
    /// `counterDead` holds, each under its lock.
    public func collectGarbage(sessionDead: (SessionRecord) -> Bool, codeDead: (CodeRecord) -> Bool = { _ in false },
                               counterDead: (CounterRecord) -> Bool) throws -> GCReport {
        var report = GCReport()
        for file in try scan(.sessions) {
            let id = String(file.split(separator: "/").last!)
            let p = try path(.sessions, id)
            let removed: Bool = try withLock(p.lock) {
                guard let r = (try? readRecord(p.file, kind: "session")) ?? nil,
                      let s = try? RecordCodec.session(r), sessionDead(s) else { return false }
                return try AtomicFile.remove(p.file)
            }
            if removed { report.sessions += 1 }
        }
        for file in try scan(.codes) {
            let id = String(file.split(separator: "/").last!)
            if let code = (try? loadCode(id)) ?? nil, codeDead(code), try deleteCode(id) { report.codes += 1 }
        }
        for file in try scan(.counters) {
            let id = String(file.split(separator: "/").last!)
            if counterDead(try readCounter(id)) {
                try deleteCounter(id)
                report.counters += 1
            }
        }
        return report
    }

    /// Checks every file: records parse and sit where their id says, no
    /// stray temporary files (the trace of a crash mid-write), modes 0600/0700.
    /// With `repair`, stray temporaries are removed, modes fixed, corrupt
    /// counters deleted (they are loss-tolerant); corrupt users and sessions
    /// are moved aside to `<file>.corrupt` for a person to look at.
    public func fsck(repair: Bool) throws -> (checked: Int, findings: [FsckFinding]) {
        var findings = [FsckFinding]()
        var checked = 0
        func note(_ kind: FsckFinding.Kind, _ path: String, _ detail: String, fix: () throws -> Void) {
            var f = FsckFinding(kind: kind, path: path, detail: detail, repaired: false)
            if repair {
                do { try fix(); f.repaired = true } catch {}
            }
            findings.append(f)
        }
        func checkMode(_ path: String, dir: Bool) {
            guard let mode = Posix.mode(path) else { return }
            let want: mode_t = dir ? 0o700 : 0o600
            if mode & 0o777 != want {
                note(.badMode, path, "mode \(String(mode & 0o777, radix: 8)), want \(String(want, radix: 8))") {
                    if chmod(path, want) != 0 { throw StoreIOError(operation: "chmod", path: path, code: errno) }
                }
            }
        }
        checkMode(root, dir: true)
        for c in Collection.allCases {
            let base = "\(root)/\(c.rawValue)"
            checkMode(base, dir: true)
            for a in Posix.list(base) {
                checkMode("\(base)/\(a)", dir: true)
                for b in Posix.list("\(base)/\(a)") where b != ".lock" {
                    checkMode("\(base)/\(a)/\(b)", dir: true)
                    for name in Posix.list("\(base)/\(a)/\(b)") {
                        let file = "\(base)/\(a)/\(b)/\(name)"
                        if name.contains(AtomicFile.tempMarker) {
                            note(.strayTemp, file, "left by an interrupted write") { _ = try Posix.unlinkIfExists(file) }
                            continue
                        }
                        if name.hasSuffix(".corrupt") { continue }
                        checked += 1
                        checkMode(file, dir: false)
                        if let problem = check(c, file: file, name: name) {
                            note(problem.0, file, problem.1) {
                                if c == .counters { _ = try Posix.unlinkIfExists(file) } else { try Posix.rename(file, file + ".corrupt") }
                            }
                        }
                    }
                }
            }
        }
        return (checked, findings)
    }

    func check(_ c: Collection, file: String, name: String) -> (FsckFinding.Kind, String)? {
        guard let p = try? path(c, name), p.file == file else { return (.misplaced, "not in the shard its name belongs to") }
        do {
            switch c {
            case .users:
                guard let r = try readRecord(file, kind: "user") else { return nil }
                let u = try RecordCodec.user(r)
                if u.id != name { return (.corrupt, "id field \(u.id) differs from the file name") }
            case .sessions:
                guard let r = try readRecord(file, kind: "session") else { return nil }
                let s = try RecordCodec.session(r)
                if s.id != name { return (.corrupt, "id field differs from the file name") }
            case .codes:
                guard let r = try readRecord(file, kind: "code") else { return nil }
                let code = try RecordCodec.code(r)
                if code.id != name { return (.corrupt, "id field differs from the file name") }
            case .counters:
                guard let fd = try Posix.openIfExists(file, O_RDONLY) else { return nil }
                defer { close(fd) }
                _ = try RecordCodec.counter(Posix.readAll(fd, path: file))
            }
        } catch let e as StoreError {
            return (.corrupt, e.description)
        } catch {
            return (.corrupt, "\(error)")
        }
        return nil
    }
}
