#if canImport(Glibc)
import Glibc
#endif
import GatehouseCore
@testable import GatehousePostgres
import XCTest

/// postgresql_tls: off this machine, verified TLS or no start.
final class TransportSecurityTests: XCTestCase {
    func refused(_ tls: TransportSecurity, _ dsn: String, env: [String: String] = [:]) -> Bool {
        do {
            try tls.check(dsn, environment: { env[$0] })
            return false
        } catch {
            return true
        }
    }

    func testADatabaseOffThisMachineNeedsAVerifiedCertificate() {
        for dsn in ["host=db.example.net dbname=g", "host=db.example.net sslmode=require", "host=10.0.0.5 sslmode=prefer",
                    "postgresql://db.example.net/g", "postgresql://db.example.net/g?sslmode=require",
                    "host=/run/postgresql,db.example.net", "host=localhost hostaddr=192.0.2.7",
                    "host=127.db.example.net"] {
            XCTAssertTrue(refused(.auto, dsn), dsn)
        }
        for dsn in ["host=db.example.net sslmode=verify-full sslrootcert=/etc/ca.crt", "postgresql://db.example.net/g?sslmode=verify-ca",
                    "host=/run/postgresql dbname=g", "dbname=g", "host=127.0.0.1 dbname=g", "host=::1", "host=localhost",
                    "postgresql:///g?host=/tmp"] {
            XCTAssertFalse(refused(.auto, dsn), dsn)
        }
        // libpq's own environment fallbacks count.
        XCTAssertTrue(refused(.auto, "dbname=g", env: ["PGHOST": "db.example.net"]))
        XCTAssertFalse(refused(.auto, "dbname=g", env: ["PGHOST": "db.example.net", "PGSSLMODE": "verify-full"]))
        // required: loopback too; off: anything.
        XCTAssertTrue(refused(.required, "host=127.0.0.1 dbname=g"))
        XCTAssertFalse(refused(.required, "host=127.0.0.1 sslmode=verify-full"))
        XCTAssertFalse(refused(.off, "host=db.example.net sslmode=disable"))
        XCTAssertTrue(refused(.auto, "host='unterminated"))
        // An empty hostaddr is libpq's "none": host decides. A service file can name any host.
        XCTAssertTrue(refused(.auto, "host=db.example.net hostaddr="))
        XCTAssertTrue(refused(.auto, "service=prod"))
        XCTAssertTrue(refused(.auto, "dbname=g", env: ["PGSERVICE": "prod"]))
        XCTAssertTrue(refused(.auto, "dbname=g", env: ["PGHOSTADDR": "192.0.2.7"]))
        XCTAssertFalse(refused(.auto, "service=prod sslmode=verify-full"))
    }
}
