#if canImport(Glibc)
import Glibc
#endif
import GatehouseCrypto
import GatehouseStore
import GatehouseCore
import GatehousePostgres
import GatehouseSystem

// Drives a store from one process; the tests start many at once (hammer:
// no lost update) or kill -9 them mid-write (crash: no torn record). STORE
// is a data directory, or postgresql:CONNINFO for the database store.
// Not installed; see tests/store/.
//
//   gatehouse-stress hammer-user STORE N          N locked increments of one user's epoch
//   gatehouse-stress hammer-counter STORE N       N increments of one counter
//   gatehouse-stress churn DATA_DIR SEED         random writes until killed
//   gatehouse-stress read STORE                   prints the user's epoch and the counter
//   gatehouse-stress populate DATA_DIR N         N users (bulk, one sync at the end)
//   gatehouse-stress ops DATA_DIR N OPS          µs per load/update/counter on random users of N
//   gatehouse-stress argon2 DATA_DIR SECONDS     Argon2id verifications per second (m=19 MiB, t=2)
//   gatehouse-stress breach FILTER N             ns per lookup and the false-positive rate of N random keys
//   gatehouse-stress locks DIR N                 ns per lock and unlock: the counter table's OFD byte-range
//                                                lock against a robust process-shared mutex in a mapping

let userID = String(repeating: "ab", count: 32)
let counterID = String(repeating: "cd", count: 32)

func die(_ message: String) -> Never {
    let text = "gatehouse-stress: \(message)\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
    exit(1)
}

let args = CommandLine.arguments
guard args.count >= 3 else { die("usage: gatehouse-stress hammer-user|hammer-counter|churn|read DATA_DIR [N|SEED]") }
if args[1] == "breach", args.count >= 4, let n = Int(args[3]) { measureBreachFilter(path: args[2], samples: n) }
let store: AccountStore
do {
    if args[2].hasPrefix("postgresql:") {
        let database = try PostgresStore(conninfo: String(args[2].dropFirst("postgresql:".count)))
        try database.migrate()
        store = database
    } else {
        store = try FlatFileStore.create(root: args[2])
    }
} catch {
    die("\(error)")
}

/// populate and ops time the flat files' sharding.
var flatFiles: FlatFileStore {
    guard let f = store as? FlatFileStore else { die("\(args[1]) needs a data directory") }
    return f
}

func ensureUser() throws {
    do {
        try store.insertUser(UserRecord(id: userID, email: address("hammer@example.com"), passwordHash: "$argon2id$x", created: 0))
    } catch StoreError.exists {}
}

do {
    switch args[1] {
    case "hammer-user":
        try ensureUser()
        for _ in 0..<(Int(args[3]) ?? 0) { try store.updateUser(userID) { $0.sessionEpoch += 1 } }
    case "hammer-counter":
        for _ in 0..<(Int(args[3]) ?? 0) { try store.updateCounter(counterID) { $0.count += 1 } }
    case "read":
        print(try store.loadUser(userID)?.sessionEpoch ?? -1, try store.readCounter(counterID).count)
    case "churn":
        try ensureUser()
        srandom(UInt32(args.count > 3 ? Int(args[3]) ?? 1 : 1))
        var n = 0
        while true {
            n += 1
            let key = String(repeating: String(format2(random() % 16)), count: 64)
            switch random() % 5 {
            case 0: try store.updateUser(userID) { $0.sessionEpoch += 1; $0.email = address("hammer\(n)@example.com") }
            case 1:
                try? store.insertSession(SessionRecord(id: key, userID: userID, created: Int64(n), lastSeen: Int64(n), epoch: n))
            case 2: try store.updateSession(key, durable: random() % 2 == 0) { $0.lastSeen += 1; return true }
            case 3: try store.deleteSession(key)
            default: try store.updateCounter(key) { $0.count += 1; $0.last = Int64(n) }
            }
        }
    case "populate":
        let n = Int(args[3]) ?? 0
        for i in 0..<n {
            try? flatFiles.insertUser(UserRecord(id: benchID(i), email: address("user\(i)@example.com"), passwordHash: "$argon2id$x",
                                                 created: 0), durable: false)
        }
        flatFiles.syncAll()
    case "ops":
        let n = Int(args[3]) ?? 1, ops = Int(args[4]) ?? 1000
        srandom(42)
        let ids = (0..<ops).map { _ in benchID(random() % n) }
        // Counters are created on first use; time the steady state, as for users.
        for id in ids { try store.updateCounter(id) { $0.count += 1 } }
        var load = 0.0, update = 0.0, counter = 0.0
        for id in ids {
            load += try seconds { _ = try store.loadUser(id) }
            update += try seconds { try store.updateUser(id) { $0.sessionEpoch += 1 } }
            counter += try seconds { try store.updateCounter(id) { $0.count += 1 } }
        }
        let us = { (t: Double) in String(Int(t / Double(ops) * 1e6)) }
        print("load_us \(us(load)) update_us \(us(update)) counter_us \(us(counter))")
    case "argon2":
        let hasher = Argon2idHasher()
        let hash = try hasher.hash("benchmark password")
        let limit = Double(args.count > 3 ? Int(args[3]) ?? 5 : 5)
        var n = 0
        let start = now()
        while now() - start < limit {
            _ = hasher.check("benchmark password", against: hash)
            n += 1
        }
        print(String(Double(n) / (now() - start)))
    case "locks":
        let n = args.count > 3 ? Int(args[3]) ?? 100_000 : 100_000
        try Posix.makeDirectories(args[2])
        let (ofd, robust) = try lockTimes(path: args[2] + "/locks", iterations: n)
        print("ofd_byte_range_ns \(ofd) robust_mutex_ns \(robust)")
    default:
        die("unknown command \(args[1])")
    }
} catch {
    die("\(error)")
}

func benchID(_ i: Int) -> String {
    // Spread like real keyed hashes: the shard comes from a mix of i.
    var x = UInt64(i) &* 0x9E37_79B9_7F4A_7C15
    var hex = ""
    for _ in 0..<4 {
        x = (x ^ (x >> 31)) &* 0xBF58_476D_1CE4_E5B9
        hex += String(repeating: "0", count: 16 - String(x, radix: 16).count) + String(x, radix: 16)
    }
    return hex
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func seconds(_ body: () throws -> Void) throws -> Double {
    let t = now()
    try body()
    return now() - t
}

func format2(_ n: Int) -> Character {
    Array("0123456789abcdef")[n]
}

/// The addresses this program makes up are well formed.
func address(_ text: String) -> EmailAddress { try! EmailAddress.parse(text).get() }


/// What one uncontended lock and unlock costs, in ns: an OFD byte-range
/// lock (what the counter table uses: two system calls) and a robust
/// process-shared mutex in a shared mapping (no system call uncontended;
/// a holder that dies leaves EOWNERDEAD for the next to repair).
func lockTimes(path: String, iterations: Int) throws -> (Int, Int) {
    let fd = try Posix.open(path, O_RDWR | O_CREAT)
    defer { close(fd) }
    guard ftruncate(fd, 4096) == 0, let map = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), map != MAP_FAILED else {
        throw SystemCallError(operation: "mmap", path: path, code: errno)
    }
    defer { munmap(map, 4096) }
    var lock = flock()
    lock.l_whence = Int16(SEEK_SET)
    lock.l_start = 0
    lock.l_len = 64
    var start = now()
    for _ in 0..<iterations {
        lock.l_type = Int16(F_WRLCK)
        _ = fcntl(fd, 38, &lock)  // F_OFD_SETLKW
        lock.l_type = Int16(F_UNLCK)
        _ = fcntl(fd, 37, &lock)  // F_OFD_SETLK
    }
    let ofd = (now() - start) / Double(iterations) * 1e9
    let mutex = map.bindMemory(to: pthread_mutex_t.self, capacity: 1)
    var attr = pthread_mutexattr_t()
    pthread_mutexattr_init(&attr)
    pthread_mutexattr_setpshared(&attr, Int32(PTHREAD_PROCESS_SHARED))
    pthread_mutexattr_setrobust(&attr, Int32(PTHREAD_MUTEX_ROBUST))
    pthread_mutex_init(mutex, &attr)
    start = now()
    for _ in 0..<iterations {
        if pthread_mutex_lock(mutex) == EOWNERDEAD { pthread_mutex_consistent(mutex) }
        pthread_mutex_unlock(mutex)
    }
    let robust = (now() - start) / Double(iterations) * 1e9
    return (Int(ofd), Int(robust))
}
