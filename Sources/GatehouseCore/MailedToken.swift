import GatehouseCrypto
import GatehouseSystem

/// A code Gatehouse mails to be entered later (an undo, a restore, "this
/// wasn't me", an invitation), base64url: the ids it is about (32-byte
/// account or session ids, hex in the records), the hour it ends, and a
/// keyed proof over what its caller binds it to. Nothing of it is stored.
struct MailedToken {
    let ids: [String]
    let hour: Int64
    let proof: [UInt8]

    static let proofLength = 16

    /// The hour named by a token that ends at `expires` (rounded up).
    static func hour(ending expires: Int64) -> Int64 { (expires + 3599) / 3600 }

    init(ids: [String], hour: Int64, proof: [UInt8]) {
        self.ids = ids
        self.hour = hour
        self.proof = proof
    }

    /// nil unless `token` is exactly `count` ids, an hour and a proof.
    init?(decoding token: String, ids count: Int) {
        let head = 32 * count
        guard let bytes = Base64.decodeURL(token), bytes.count == head + 3 + Self.proofLength else { return nil }
        ids = (0..<count).map { Hex.encode(Array(bytes[($0 * 32)..<($0 * 32 + 32)])) }
        hour = Accounts.hour(bytes[head..<(head + 3)])
        proof = Array(bytes[(head + 3)...])
    }

    var encoded: String { Base64.url(ids.flatMap { Hex.decode($0) ?? [] } + Accounts.hourBytes(hour) + proof) }
}
