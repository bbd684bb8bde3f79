/// Why a WebAuthn response was refused. The reason is for the log and the
/// tests; a client is told only that the passkey was not accepted.
public enum WebAuthnError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Bytes or JSON that are not what the format says.
    case malformed(String)
    /// Well formed, but a check failed (origin, rpIdHash, flags, signature…).
    case refused(String)
    /// A key type or algorithm this site does not take.
    case unsupported(String)
    /// A signature counter that did not go forward: a cloned
    /// authenticator, or a replayed assertion.
    case counterWentBack(stored: UInt32, presented: UInt32)

    public var description: String {
        switch self {
        case .malformed(let why): return "malformed: \(why)"
        case .refused(let why): return "refused: \(why)"
        case .unsupported(let why): return "unsupported: \(why)"
        case .counterWentBack(let stored, let presented): return "refused: signature counter \(presented) after \(stored)"
        }
    }
}
