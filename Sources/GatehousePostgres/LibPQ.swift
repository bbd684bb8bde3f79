#if canImport(Glibc)
import Glibc
#endif
import CLibPQ
import GatehouseCore

/// libpq's functions, found with dlopen the first time a PostgreSQL store
/// is opened. Linking libpq would load it and some twenty libraries it
/// needs (TLS, Kerberos, LDAP) into every responder at every CGI exec,
/// which more than doubled the time of one; a flat-file site never opens it.
struct LibPQ: @unchecked Sendable {
    typealias Conn = OpaquePointer
    typealias Result = OpaquePointer

    let connectdb: @convention(c) (UnsafePointer<CChar>?) -> Conn?
    let status: @convention(c) (Conn?) -> ConnStatusType
    let finish: @convention(c) (Conn?) -> Void
    let reset: @convention(c) (Conn?) -> Void
    let errorMessage: @convention(c) (Conn?) -> UnsafeMutablePointer<CChar>?
    let execParams: @convention(c) (Conn?, UnsafePointer<CChar>?, Int32, UnsafePointer<Oid>?,
                                    UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?,
                                    Int32) -> Result?
    let exec: @convention(c) (Conn?, UnsafePointer<CChar>?) -> Result?
    let prepare: @convention(c) (Conn?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, Int32, UnsafePointer<Oid>?) -> Result?
    let execPrepared: @convention(c) (Conn?, UnsafePointer<CChar>?, Int32, UnsafePointer<UnsafePointer<CChar>?>?,
                                      UnsafePointer<Int32>?, UnsafePointer<Int32>?, Int32) -> Result?
    let resultStatus: @convention(c) (Result?) -> ExecStatusType
    let ntuples: @convention(c) (Result?) -> Int32
    let nfields: @convention(c) (Result?) -> Int32
    let getisnull: @convention(c) (Result?, Int32, Int32) -> Int32
    let getvalue: @convention(c) (Result?, Int32, Int32) -> UnsafeMutablePointer<CChar>?
    let clear: @convention(c) (Result?) -> Void
    let resultErrorField: @convention(c) (Result?, Int32) -> UnsafeMutablePointer<CChar>?
    let resultErrorMessage: @convention(c) (Result?) -> UnsafeMutablePointer<CChar>?
    let cmdStatus: @convention(c) (Result?) -> UnsafeMutablePointer<CChar>?
    let conninfoParse: @convention(c) (UnsafePointer<CChar>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?)
        -> UnsafeMutablePointer<PQconninfoOption>?
    let conninfoFree: @convention(c) (UnsafeMutablePointer<PQconninfoOption>?) -> Void
    let freemem: @convention(c) (UnsafeMutableRawPointer?) -> Void
    let setNoticeProcessor: @convention(c) (Conn?, PQnoticeProcessor?, UnsafeMutableRawPointer?) -> PQnoticeProcessor?

    /// The options a connection string sets, as libpq itself reads it
    /// (key=value pairs or a postgresql:// URI); nil for one it cannot parse.
    func options(of conninfo: String) -> [String: String]? {
        var error: UnsafeMutablePointer<CChar>?
        guard let parsed = conninfoParse(conninfo, &error) else {
            freemem(error)
            return nil
        }
        defer { conninfoFree(parsed) }
        var out: [String: String] = [:]
        var option = parsed
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { out[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        return out
    }

    static let loaded: Swift.Result<LibPQ, StoreError> = load()

    static func load() -> Swift.Result<LibPQ, StoreError> {
        guard let handle = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL) else {
            let why = dlerror().map { String(cString: $0) } ?? "not found"
            return .failure(.unavailable("cannot load libpq (apt-get install libpq5): \(why)"))
        }
        func f<T>(_ name: String, _: T.Type = T.self) throws(StoreError) -> T {
            guard let symbol = dlsym(handle, name) else { throw .unavailable("libpq lacks \(name)") }
            return unsafeBitCast(symbol, to: T.self)
        }
        do {
            return .success(LibPQ(
                connectdb: try f("PQconnectdb"), status: try f("PQstatus"), finish: try f("PQfinish"),
                reset: try f("PQreset"), errorMessage: try f("PQerrorMessage"), execParams: try f("PQexecParams"),
                exec: try f("PQexec"), prepare: try f("PQprepare"), execPrepared: try f("PQexecPrepared"),
                resultStatus: try f("PQresultStatus"), ntuples: try f("PQntuples"),
                nfields: try f("PQnfields"), getisnull: try f("PQgetisnull"), getvalue: try f("PQgetvalue"),
                clear: try f("PQclear"), resultErrorField: try f("PQresultErrorField"),
                resultErrorMessage: try f("PQresultErrorMessage"), cmdStatus: try f("PQcmdStatus"),
                conninfoParse: try f("PQconninfoParse"), conninfoFree: try f("PQconninfoFree"), freemem: try f("PQfreemem"),
                setNoticeProcessor: try f("PQsetNoticeProcessor")))
        } catch {
            return .failure(error)
        }
    }
}
