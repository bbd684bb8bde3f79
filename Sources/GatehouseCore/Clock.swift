#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time in Unix seconds, injected so expiry and back-off can be
/// tested without sleeping.
package protocol Clock: Sendable {
    func now() -> Int64
}

package struct SystemClock: Clock {
    package init() {}

    package func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec)
    }
}
