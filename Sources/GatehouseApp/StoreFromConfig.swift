#if canImport(Glibc)
import Glibc
#endif
import GatehouseConfig
import GatehouseCore
import GatehouseFiles
import GatehousePostgres
import GatehouseStore
import GatehouseSystem

extension Config {
    /// data_dir_reserve_mib and data_dir_reserve_inodes.
    package var diskReserve: DiskReserve {
        DiskReserve(bytes: UInt64(dataDirReserveMiB) << 20, inodes: UInt64(dataDirReserveInodes))
    }
}

/// The store `store =` names, opened and checked now: a flat-file data
/// directory that exists, or a PostgreSQL database whose schema is current.
package enum StoreFromConfig {
    package static func open(_ config: Config) throws -> AccountStore & StoreMaintenance {
        switch config.store {
        case .postgresql:
            let store = try database(config)
            try store.requireCurrentSchema()
            return store
        case .flatfile:
            return try FlatFileStore(root: config.dataDir, counterTableMiB: config.counterTableMib)
        }
    }

    /// The database postgresql_dsn names, connected only once the
    /// connection string meets postgresql_tls: the one way every responder
    /// and every gatehousectl command (init, db, store copy) reaches it, so
    /// none sends the server key or a hash over a connection the site did
    /// not allow.
    package static func database(_ config: Config) throws -> PostgresStore {
        let dsn = try conninfo(config)
        do {
            let tls: TransportSecurity
            switch config.postgresqlTls {
            case .auto: tls = .auto
            case .required: tls = .required
            case .off: tls = .off
            }
            try tls.check(dsn, environment: { getenv($0).map { String(cString: $0) } })
        } catch let refused as TransportSecurity.Refused {
            throw SetupError(description: refused.description)
        }
        return try PostgresStore(conninfo: dsn)
    }

    /// postgresql_dsn, with the password from postgresql_password_file
    /// (quoted as libpq wants) when one is named.
    package static func conninfo(_ config: Config) throws -> String {
        guard !config.postgresqlPasswordFile.isEmpty else { return config.postgresqlDsn }
        let password: String
        do {
            password = try TextFile.read(config.postgresqlPasswordFile).filter { !$0.isNewline }
        } catch {
            throw SetupError(description: "postgresql_password_file: \(error)")
        }
        let quoted = password.replacing("\\", with: "\\\\").replacing("'", with: "\\'")
        return config.postgresqlDsn + " password='" + quoted + "'"
    }
}
