#if canImport(Glibc)
import Glibc
#endif

/// The monotonic clock, for measuring how long work took (never for the
/// time of day: that is the injected Clock), and a sleep that sees its
/// whole duration through signals.
package enum Monotonic {
    package static func nanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    package static func sleep(nanoseconds: Int64) {
        guard nanoseconds > 0 else { return }
        var left = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var rest = timespec()
        while nanosleep(&left, &rest) != 0 && errno == EINTR { left = rest }
    }
}
