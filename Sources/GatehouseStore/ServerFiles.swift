#if canImport(Glibc)
import Glibc
#endif
import GatehouseCore
import GatehouseFiles
import GatehouseSystem

extension FlatFileStore {
    func serverFilePath(_ name: String) throws -> String {
        guard !name.isEmpty, name.utf8.allSatisfy({ (97...122).contains($0) || $0 == 45 || $0 == 46 }),
              !name.hasPrefix(".") else { throw StoreError.badKey(name) }
        return root + "/" + name
    }

    package func loadServerFile(_ name: String) throws -> [UInt8]? {
        let path = try serverFilePath(name)
        guard let fd = try Posix.openIfExists(path, O_RDONLY) else { return nil }
        defer { close(fd) }
        return try Posix.readAll(fd, path: path)
    }

    package func saveServerFile(_ name: String, _ bytes: [UInt8]) throws {
        try AtomicFile.write(bytes, to: try serverFilePath(name), durable: true)
    }
}
