import GatehouseCore
import GatehouseSystem

/// What `postgresql_tls` asks of the connection: the server key, every
/// password hash and every session cross it, so off this machine it must
/// be TLS to a server whose certificate is checked against a CA the site
/// names (libpq's sslmode verify-full or verify-ca). libpq's own default,
/// `prefer`, takes a plaintext answer, or TLS from anyone, without a word.
package enum TransportSecurity: String, Sendable {
    /// Verified TLS to any host but a UNIX socket or a loopback address.
    case auto
    /// Verified TLS to every host.
    case required
    /// The connection string as it is.
    case off

    package struct Refused: Error, CustomStringConvertible {
        package let description: String
    }

    /// Checked at start-up, before anything connects. `environment`
    /// supplies PGHOST and PGSSLMODE, which libpq falls back on.
    package func check(_ conninfo: String, environment: (String) -> String?) throws {
        guard self != .off else { return }
        guard let options = try LibPQ.loaded.get().options(of: conninfo) else {
            throw Refused(description: "postgresql_dsn: libpq cannot parse it")
        }
        // hostaddr, when given, is where libpq connects; host is then only a
        // name. An empty value is libpq's "not given". A service file
        // (service=, PGSERVICE) can name any host, unseen here: not local.
        func given(_ value: String?) -> String? { value.flatMap { $0.isEmpty ? nil : $0 } }
        let where_ = given(options["hostaddr"]) ?? given(environment("PGHOSTADDR")) ?? given(options["host"])
            ?? given(environment("PGHOST")) ?? ""
        let hosts = where_.split(separator: ",").map { String($0.filter { $0 != " " }) }
        let viaService = given(options["service"]) != nil || given(environment("PGSERVICE")) != nil
        let local = !viaService && hosts.allSatisfy { $0.isEmpty || $0.hasPrefix("/") || $0.hasPrefix("@") || Loopback.contains($0) }
        if self == .auto && local { return }
        let mode = options["sslmode"] ?? environment("PGSSLMODE") ?? "prefer"
        guard mode == "verify-full" || mode == "verify-ca" else {
            let place = local ? "postgresql_tls = required"
                : viaService ? "the database a service file names may be off this machine"
                : "the database at \(where_.isEmpty ? "the default host" : where_) is off this machine"
            throw Refused(description: "postgresql_tls: \(place), and sslmode=\(mode) does not check whose certificate it is: "
                + "add sslmode=verify-full and sslrootcert=<the CA's certificate> to postgresql_dsn (or set postgresql_tls = off)")
        }
    }
}
