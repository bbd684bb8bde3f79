#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time in Unix seconds, injected so expiry and back-off can be
/// tested without sleeping.
public protocol Clock: Sendable {
    func now() -> Int64
}

public struct SystemClock: Clock {
    public init() {}

    public func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec)
    }
}

/// RFC 3339 UTC timestamp for logs and listings (no Foundation here).
public func rfc3339(_ t: Int64) -> String {
    var time = time_t(t)
    var tmv = tm()
    gmtime_r(&time, &tmv)
    func p(_ n: Int32, _ w: Int = 2) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, w - s.count)) + s
    }
    return "\(p(tmv.tm_year + 1900, 4))-\(p(tmv.tm_mon + 1))-\(p(tmv.tm_mday))T\(p(tmv.tm_hour)):\(p(tmv.tm_min)):\(p(tmv.tm_sec))Z"
}
