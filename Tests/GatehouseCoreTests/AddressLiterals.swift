import GatehouseCore

/// Addresses written as literals in these tests are well formed.
extension EmailAddress: ExpressibleByStringLiteral {
    public init(stringLiteral text: String) { self = try! EmailAddress.parse(text).get() }
}
