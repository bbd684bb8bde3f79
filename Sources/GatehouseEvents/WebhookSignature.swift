import GatehouseCrypto
import GatehouseSystem

/// The signature of an event POSTed to `hook_url`, as Standard Webhooks
/// (and Svix, Supabase) make it: HMAC-SHA256 under the shared secret of
/// `<webhook-id>.<webhook-timestamp>.<body>`, sent as `v1,<base64>`. The
/// timestamp is the attempt's, so a receiver can refuse an old one
/// replayed, and the id lets it drop a repeat.
package struct WebhookSignature: Sendable {
    let key: [UInt8]

    /// `whsec_` and the base64 of 24 to 64 bytes (the form receivers'
    /// libraries take as it is).
    package init(secret: String) throws {
        let text = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        guard let key = Base64.decodeStandard(text), (24...64).contains(key.count) else {
            throw SetupError(description: "hook_secret_file: expected whsec_ and the base64 of 24 to 64 bytes (gatehousectl hooks secret makes one)")
        }
        self.key = key
    }

    /// A new secret in that form, of 32 random bytes.
    package static func newSecret(random: RandomSource) -> String {
        "whsec_" + Base64.standard(random.bytes(32))
    }

    package func headers(id: String, timestamp: Int64, body: [UInt8]) -> [(String, String)] {
        let signed = Array("\(id).\(timestamp).".utf8) + body
        return [("webhook-id", id), ("webhook-timestamp", String(timestamp)),
                ("webhook-signature", "v1," + Base64.standard(HMACSHA256.mac(key: key, message: signed)))]
    }
}
