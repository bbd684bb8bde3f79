#if canImport(Glibc)
import Glibc
#endif

/// Runs a program with bytes on its standard input and a time limit; its
/// standard output goes to /dev/null (never into a FastCGI socket or a CGI
/// response). nil on exit status 0, else a short reason. The child gets
/// only file descriptors 0–2 (never a listening socket) and, unless told
/// otherwise, a minimal environment: under CGI the process environment
/// holds every request header.
package enum Subprocess {
    static let passedThrough = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "GATEHOUSE_CONFIG"]

    package static func minimalEnvironment() -> [String] {
        var out = [String]()
        for name in passedThrough {
            if let value = getenv(name) { out.append(name + "=" + String(cString: value)) }
        }
        if getenv("PATH") == nil { out.append("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") }
        return out
    }

    /// Marks every descriptor above 2 close-on-exec (the pipe, a listening
    /// socket libfcgi opened without it, the store's files), so the child
    /// holds none of them. Harmless to this process, which never execs.
    static func closeOnExecAbove2() {
        for name in Directory.names("/proc/self/fd") {
            if let fd = Int32(name), fd > 2 { _ = fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC) }
        }
    }

    package static func run(_ argv: [String], input: [UInt8] = [], timeout: Int,
                           environment: [String]? = nil) -> String? {
        guard let program = argv.first else { return "no command" }
        let deadline = time(nil) + timeout
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else { return "pipe failed" }
        closeOnExecAbove2()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[0], 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        // A group of its own, so that the time limit ends whatever it
        // started too (a shell script's commands), not only the program.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var pid: pid_t = 0
        let args: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        let env: [UnsafeMutablePointer<CChar>?] = (environment ?? minimalEnvironment()).map { strdup($0) } + [nil]
        defer {
            args.forEach { free($0) }
            env.forEach { free($0) }
        }
        let rc = posix_spawn(&pid, program, &actions, &attributes, args, env)
        close(pipeFDs[0])
        guard rc == 0 else {
            close(pipeFDs[1])
            return "cannot run \(program): \(String(cString: strerror(rc)))"
        }
        let written = withoutSIGPIPE { feed(input, to: pipeFDs[1], until: deadline) }
        close(pipeFDs[1])
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { return "waitpid failed" }
            if time(nil) >= deadline {
                kill(-pid, SIGKILL)
                waitpid(pid, &status, 0)
                return "\(program) timed out after \(timeout)s"
            }
            usleep(20_000)
        }
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        guard exited && code == 0 else { return "\(program) failed (status \(exited ? code : -1))" }
        // Success says the whole input was taken (a whole message handed on).
        return written < input.count ? "\(program) exited before reading all its input" : nil
    }

    /// Writes `input` to the non-blocking end of a pipe until done, the
    /// reader goes away (EPIPE), or the deadline: a child that never reads
    /// must not hold this process past its time limit. How much was written.
    static func feed(_ input: [UInt8], to fd: Int32, until deadline: time_t) -> Int {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var offset = 0
        while offset < input.count && time(nil) < deadline {
            let n = input.withUnsafeBytes { write(fd, $0.baseAddress! + offset, input.count - offset) }
            if n > 0 {
                offset += n
            } else if n < 0 && (errno == EAGAIN || errno == EINTR) {
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&p, 1, 100)
            } else {
                break
            }
        }
        return offset
    }

    /// Runs `body` with SIGPIPE blocked for this thread, and takes back a
    /// SIGPIPE it raised before unblocking: a write to a child that exited
    /// is EPIPE, not the end of a process that does not ignore the signal
    /// (gatehousectl), and the process-wide disposition is left alone. A
    /// write's SIGPIPE goes to the writing thread, so blocking it here is
    /// enough.
    static func withoutSIGPIPE<T>(_ body: () -> T) -> T {
        var pipeOnly = sigset_t(), saved = sigset_t(), pending = sigset_t()
        sigemptyset(&pipeOnly)
        sigaddset(&pipeOnly, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeOnly, &saved)
        sigpending(&pending)
        let wasPending = sigismember(&pending, SIGPIPE) == 1
        let result = body()
        sigemptyset(&pending)
        sigpending(&pending)
        if !wasPending && sigismember(&pending, SIGPIPE) == 1 {
            var now = timespec(tv_sec: 0, tv_nsec: 0)
            _ = sigtimedwait(&pipeOnly, nil, &now)
        }
        pthread_sigmask(SIG_SETMASK, &saved, nil)
        return result
    }
}
