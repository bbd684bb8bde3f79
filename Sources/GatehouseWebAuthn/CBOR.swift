/// The part of CBOR (RFC 8949) that authenticators send: unsigned and
/// negative integers, byte and text strings, arrays, maps, and the simple
/// values false, true, null and undefined, all of definite length.
///
/// A bounded reader of our own rather than a general decoder: what reaches
/// it is anyone's bytes, and general decoders are where the classic
/// attacks live (indefinite lengths, a declared length of 2⁶⁴, nesting
/// deep enough to exhaust the stack). Every length is checked against the
/// bytes that remain before anything is allocated, nesting is at most
/// `maxDepth`, and the item count at most `maxItems`. Tags, floats and
/// indefinite lengths are refused: no authenticator needs them here. Pure:
/// it takes bytes and says what it read and how many bytes that was.
public enum CBOR: Equatable, Sendable {
    case unsigned(UInt64)
    /// -1 - n, as the wire has it.
    case negative(UInt64)
    case bytes([UInt8])
    case text(String)
    case array([CBOR])
    case map([(CBOR, CBOR)])
    case bool(Bool)
    case null
    case undefined

    package static let maxDepth = 8
    package static let maxItems = 4096

    public static func == (a: CBOR, b: CBOR) -> Bool {
        switch (a, b) {
        case (.unsigned(let x), .unsigned(let y)), (.negative(let x), .negative(let y)): return x == y
        case (.bytes(let x), .bytes(let y)): return x == y
        case (.text(let x), .text(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.map(let x), .map(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.bool(let x), .bool(let y)): return x == y
        case (.null, .null), (.undefined, .undefined): return true
        default: return false
        }
    }

    /// Reads one item from the start of `bytes`: the item and the number of
    /// bytes it took. Trailing bytes are the caller's (authenticator data
    /// holds a key, then maybe extensions).
    public static func read(_ bytes: ArraySlice<UInt8>) throws(WebAuthnError) -> (CBOR, Int) {
        var reader = Reader(bytes: bytes)
        let item = try reader.item(depth: 0)
        return (item, reader.position - bytes.startIndex)
    }

    /// One item that must be the whole of `bytes`.
    package static func decode(_ bytes: [UInt8]) throws(WebAuthnError) -> CBOR {
        let (item, used) = try read(bytes[...])
        guard used == bytes.count else { throw .malformed("CBOR: bytes after the item") }
        return item
    }

    /// The value of an integer key in a map (COSE keys are keyed by integers).
    package subscript(int key: Int) -> CBOR? {
        guard case .map(let pairs) = self else { return nil }
        let wanted: CBOR = key >= 0 ? .unsigned(UInt64(key)) : .negative(UInt64(-1 - key))
        return pairs.first { $0.0 == wanted }?.1
    }

    /// The value of a text key in a map.
    package subscript(text key: String) -> CBOR? {
        guard case .map(let pairs) = self else { return nil }
        return pairs.first { $0.0 == .text(key) }?.1
    }

    /// An integer item as a Swift Int, when it fits.
    package var int: Int? {
        switch self {
        case .unsigned(let n): return n <= UInt64(Int.max) ? Int(n) : nil
        case .negative(let n): return n < UInt64(Int.max) ? -1 - Int(n) : nil
        default: return nil
        }
    }

    struct Reader {
        let bytes: ArraySlice<UInt8>
        var position: Int
        var items = 0

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            position = bytes.startIndex
        }

        var remaining: Int { bytes.endIndex - position }

        mutating func byte() throws(WebAuthnError) -> UInt8 {
            guard position < bytes.endIndex else { throw .malformed("CBOR: cut short") }
            defer { position += 1 }
            return bytes[position]
        }

        /// The argument of an item's head: the low five bits, or the 1, 2,
        /// 4 or 8 bytes they announce. 31 (indefinite length) is refused.
        mutating func argument(_ info: UInt8) throws(WebAuthnError) -> UInt64 {
            switch info {
            case 0..<24: return UInt64(info)
            case 24...27:
                let count = 1 << Int(info - 24)
                guard remaining >= count else { throw .malformed("CBOR: cut short") }
                var value: UInt64 = 0
                for _ in 0..<count { value = value << 8 | UInt64(try byte()) }
                return value
            default: throw .malformed("CBOR: indefinite or reserved length")
            }
        }

        /// The head's length, which must fit in what remains after it, each
        /// element needing at least `unit` bytes: checked before anything
        /// is allocated. (One mutating call: a length read by one call and
        /// checked by a non-mutating other would be checked against a copy
        /// of the reader taken before the read, the fuzzer's first find.)
        mutating func length(_ info: UInt8, unit: Int) throws(WebAuthnError) -> Int {
            let n = try argument(info)
            guard n <= UInt64(remaining / unit) else { throw .malformed("CBOR: a length beyond the data") }
            return Int(n)
        }

        mutating func item(depth: Int) throws(WebAuthnError) -> CBOR {
            guard depth <= CBOR.maxDepth else { throw .malformed("CBOR: nested too deep") }
            items += 1
            guard items <= CBOR.maxItems else { throw .malformed("CBOR: too many items") }
            let head = try byte()
            let info = head & 0x1F
            switch head >> 5 {
            case 0: return .unsigned(try argument(info))
            case 1: return .negative(try argument(info))
            case 2:
                let n = try length(info, unit: 1)
                defer { position += n }
                return .bytes(Array(bytes[position..<position + n]))
            case 3:
                let n = try length(info, unit: 1)
                let raw = bytes[position..<position + n]
                position += n
                guard let text = String(validating: raw, as: UTF8.self) else { throw .malformed("CBOR: text that is not UTF-8") }
                return .text(text)
            case 4:
                let n = try length(info, unit: 1)
                var out = [CBOR]()
                out.reserveCapacity(n)
                for _ in 0..<n { out.append(try item(depth: depth + 1)) }
                return .array(out)
            case 5:
                let n = try length(info, unit: 2)
                var out = [(CBOR, CBOR)]()
                out.reserveCapacity(n)
                for _ in 0..<n {
                    let key = try item(depth: depth + 1)
                    guard !out.contains(where: { $0.0 == key }) else { throw .malformed("CBOR: a map key twice") }
                    out.append((key, try item(depth: depth + 1)))
                }
                return .map(out)
            case 6: throw .malformed("CBOR: tags are not accepted")
            default:
                switch info {
                case 20: return .bool(false)
                case 21: return .bool(true)
                case 22: return .null
                case 23: return .undefined
                default: throw .malformed("CBOR: floats and other simple values are not accepted")
                }
            }
        }
    }
}
