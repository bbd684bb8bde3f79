#if canImport(Glibc)
import Glibc
#endif
import GatehouseStore

// Drives the flat-file store from one process; the tests start many at
// once (hammer: no lost update) or kill -9 them mid-write (crash: no torn
// record). Not installed; see tests/store/.
//
//   gatehouse-stress hammer-user DATA_DIR N      N locked increments of one user's epoch
//   gatehouse-stress hammer-counter DATA_DIR N   N increments of one counter
//   gatehouse-stress churn DATA_DIR SEED         random writes until killed
//   gatehouse-stress read DATA_DIR               prints the user's epoch and the counter

let userID = String(repeating: "ab", count: 32)
let counterID = String(repeating: "cd", count: 32)

func die(_ message: String) -> Never {
    let text = "gatehouse-stress: \(message)\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
    exit(1)
}

let args = CommandLine.arguments
guard args.count >= 3 else { die("usage: gatehouse-stress hammer-user|hammer-counter|churn|read DATA_DIR [N|SEED]") }
let store: FlatFileStore
do {
    store = try FlatFileStore.create(root: args[2])
} catch {
    die("\(error)")
}

func ensureUser() throws {
    do {
        try store.insertUser(UserRecord(id: userID, email: "hammer@example.com", passwordHash: "$argon2id$x", created: 0))
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
            case 0: try store.updateUser(userID) { $0.sessionEpoch += 1; $0.email = "hammer\(n)@example.com" }
            case 1:
                try? store.insertSession(SessionRecord(id: key, userID: userID, created: Int64(n), lastSeen: Int64(n), epoch: n))
            case 2: try store.updateSession(key, durable: random() % 2 == 0) { $0.lastSeen += 1; return true }
            case 3: try store.deleteSession(key)
            default: try store.updateCounter(key) { $0.count += 1; $0.last = Int64(n) }
            }
        }
    default:
        die("unknown command \(args[1])")
    }
} catch {
    die("\(error)")
}

func format2(_ n: Int) -> Character {
    Array("0123456789abcdef")[n]
}
