/// Where refused passwords come from (the shipped list, the site's own).
package protocol PasswordBlocklist: Sendable {
    /// `password` is already NFC and lower-cased.
    func contains(_ password: String) throws -> Bool
}
