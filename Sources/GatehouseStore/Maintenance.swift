#if canImport(Glibc)
import Glibc
#endif
import GatehouseFiles
import GatehouseSystem
import GatehouseCore

/// Whole-store walks for `gatehousectl gc` and `fsck`. Never on a request path.
package struct FsckFinding: Equatable, Sendable, CustomStringConvertible {
    package enum Kind: String, Sendable { case corrupt, strayTemp = "stray-temp", badMode = "bad-mode", misplaced }
    package let kind: Kind
    package let path: String
    package let detail: String
    package var repaired: Bool

    package var description: String {
        "\(kind.rawValue) \(path): \(detail)\(repaired ? " (repaired)" : "")"
    }
}

extension FlatFileStore {
    func fileName(_ path: String) -> String {
        String(path.split(separator: "/").last ?? "")
    }

    /// Removes the record if `dead` holds, deciding and removing under the
    /// shard lock, so a record replaced meanwhile (a fresh code) is never
    /// removed on the strength of its predecessor. Unreadable records are
    /// left for fsck.
    func removeIf<R: StoredRecord>(_ id: String, _ dead: (R) -> Bool) throws -> Bool {
        let p = try path(R.collection, id)
        return try withLock(p.lock) {
            guard let r = (try? readRecord(p.file, kind: R.header)) ?? nil, let record = try? R(r), dead(record) else {
                return false
            }
            return try AtomicFile.remove(p.file)
        }
    }

    /// Removes sessions for which `sessionDead` holds and counters for which
    /// `counterDead` holds, each under its lock.
    package func collectGarbage(sessionDead: (SessionRecord) -> Bool, codeDead: (CodeRecord) -> Bool,
                               counterDead: (CounterRecord) -> Bool) throws -> GCReport {
        var report = GCReport()
        for id in try scan(.sessions).map(fileName) where try removeIf(id, sessionDead) { report.sessions += 1 }
        try pruneUserIndex()
        for id in try scan(.codes).map(fileName) where try removeIf(id, codeDead) { report.codes += 1 }
        let table = try counters()
        report.counters = try table.removeAll(where: counterDead)
        if table.slotCount != counterSlots { try resizeCounters(table) }
        report.counters += removeLegacyCounterFiles()
        return report
    }

    /// counter_table_mib changed: a table of the new size, holding every
    /// counter of the old one, takes its place, and the old one is marked
    /// retired, so a process still holding it opens the new one at its next
    /// counter. (A counter changed in the instant between copy and mark is
    /// lost, as counters may be.)
    func resizeCounters(_ old: CounterTable) throws {
        let staging = counterTablePath + ".resize"
        _ = try Posix.unlinkIfExists(staging)
        try CounterTable.create(path: staging, slots: counterSlots)
        let new = try CounterTable(path: staging, slots: counterSlots)
        try old.forEach { key, counter in try new.put(key, counter) }
        try Posix.rename(staging, counterTablePath)
        try Posix.fsyncDirectory(root)
        try old.retire()
    }

    /// Counters were one file each before the table: gc removes what an
    /// earlier version left in <root>/counters/.
    func removeLegacyCounterFiles() -> Int {
        let base = root + "/counters"
        var removed = 0
        for a in Posix.list(base) {
            for b in Posix.list("\(base)/\(a)") {
                for name in Posix.list("\(base)/\(a)/\(b)") where (try? Posix.unlinkIfExists("\(base)/\(a)/\(b)/\(name)")) == true {
                    removed += 1
                }
                if b == ".lock" { _ = try? Posix.unlinkIfExists("\(base)/\(a)/\(b)") } else { rmdir("\(base)/\(a)/\(b)") }
            }
            rmdir("\(base)/\(a)")
        }
        rmdir(base)
        return removed
    }

    /// Checks every file: records parse and sit where their id says, no
    /// stray temporary files (the trace of a crash mid-write), modes 0600/0700.
    /// With `repair`, stray temporaries are removed, modes fixed, torn
    /// counters cleared (they are loss-tolerant; a counter table that is not
    /// one is moved aside and made afresh); corrupt users and sessions are
    /// moved aside to `<file>.corrupt` for a person to look at.
    package func fsck(repair: Bool) throws -> (checked: Int, findings: [FsckFinding]) {
        var findings = [FsckFinding]()
        var checked = 0
        func note(_ kind: FsckFinding.Kind, _ path: String, _ detail: String, fix: () throws -> Void) {
            var f = FsckFinding(kind: kind, path: path, detail: detail, repaired: false)
            if repair {
                do { try fix(); f.repaired = true } catch {}
            }
            findings.append(f)
        }
        /// false when `path` is not the kind of file it should be (then it
        /// is neither read nor descended into).
        @discardableResult
        func checkMode(_ path: String, dir: Bool) -> Bool {
            guard let mode = Posix.mode(path) else { return false }
            // Never through a link: a planted symlink would have root's
            // repair chmod whatever it points at.
            guard mode & S_IFMT == (dir ? S_IFDIR : S_IFREG) else {
                note(.misplaced, path, "not a \(dir ? "directory" : "regular file"); left alone") {
                    throw SystemCallError(operation: "repair", path: path, code: EPERM)
                }
                return false
            }
            let want: mode_t = dir ? 0o700 : 0o600
            if mode & 0o777 != want {
                note(.badMode, path, "mode \(String(mode & 0o777, radix: 8)), want \(String(want, radix: 8))") {
                    try Posix.chmodNoFollow(path, want, directory: dir)
                }
            }
            return true
        }
        checkMode(root, dir: true)
        for c in Collection.allCases {
            let base = "\(root)/\(c.rawValue)"
            checkMode(base, dir: true)
            for a in Posix.list(base) where checkMode("\(base)/\(a)", dir: true) {
                for b in Posix.list("\(base)/\(a)") where b != ".lock" && checkMode("\(base)/\(a)/\(b)", dir: true) {
                    for name in Posix.list("\(base)/\(a)/\(b)") {
                        let file = "\(base)/\(a)/\(b)/\(name)"
                        if name.contains(AtomicFile.tempMarker) {
                            // A young temporary is a write in progress; an old
                            // one is removed under the shard's lock, so no
                            // writer is between its open and its rename.
                            if let age = Posix.age(file), age > 60 {
                                note(.strayTemp, file, "left by an interrupted write") {
                                    try withLock("\(base)/\(a)/.lock") { _ = try Posix.unlinkIfExists(file) }
                                }
                            }
                            continue
                        }
                        if name.hasSuffix(".corrupt") { continue }
                        checked += 1
                        guard checkMode(file, dir: false) else { continue }
                        if let problem = check(c, file: file, name: name) {
                            note(problem.0, file, problem.1) { try Posix.rename(file, file + ".corrupt") }
                        }
                    }
                }
            }
        }
        // A table being made or resized when its maker was killed.
        for name in Posix.list(root) where name.hasPrefix("counters.table.") && !name.hasSuffix(".corrupt") {
            let file = root + "/" + name
            if let age = Posix.age(file), age > 60 {
                note(.strayTemp, file, "left by an interrupted counter table creation or resize") { _ = try Posix.unlinkIfExists(file) }
            }
        }
        if Posix.exists(counterTablePath) && checkMode(counterTablePath, dir: false) {
            checked += 1
            do {
                let (_, torn) = try CounterTable(path: counterTablePath, slots: counterSlots).survey(repair: repair)
                if torn > 0 {
                    // survey(repair:) has cleared them already.
                    note(.corrupt, counterTablePath, "\(torn) torn counter slots (a worker killed mid-update)") {}
                }
            } catch {
                note(.corrupt, counterTablePath, "\(error)") {
                    try Posix.rename(counterTablePath, counterTablePath + ".corrupt")
                }
            }
        }
        return (checked, findings)
    }

    func check(_ c: Collection, file: String, name: String) -> (FsckFinding.Kind, String)? {
        guard let p = try? path(c, name), p.file == file else { return (.misplaced, "not in the shard its name belongs to") }
        do {
            switch c {
            case .users: return try checkRecord(UserRecord.self, file: file, name: name)
            case .sessions: return try checkRecord(SessionRecord.self, file: file, name: name)
            case .codes: return try checkRecord(CodeRecord.self, file: file, name: name)
            case .passkeys, .addresses: return try checkClaim(c, file: file, name: name)
            }
        } catch let e as StoreError {
            return (.corrupt, e.description)
        } catch {
            return (.corrupt, "\(error)")
        }
    }

    func checkRecord<R: StoredRecord>(_: R.Type, file: String, name: String) throws -> (FsckFinding.Kind, String)? {
        guard let r = try readRecord(file, kind: R.header) else { return nil }
        let record = try R(r)
        return record.id == name ? nil : (.corrupt, "id field \(record.id) differs from the file name")
    }
}

extension FlatFileStore: StoreMaintenance {}
