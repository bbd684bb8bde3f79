import ArgumentParser
import GatehouseCore

/// An address argument, parsed once where it comes in (`@Argument(transform:)`);
/// a bad one is a usage error naming the reason.
func emailArgument(_ text: String) throws -> EmailAddress {
    switch EmailAddress.parse(text) {
    case .success(let e): return e
    case .failure(let p): throw ValidationError("invalid e-mail address \(text): \(p.reason)")
    }
}
