#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser

/// `--detach`: the caller (a responder, after its answer) waits for this
/// process's fork, not for a mail server or a site's hook: a slow one never
/// holds a worker, and the time a worker is busy says nothing about the
/// address. The parent exits 0 at once; the child goes on in its own
/// session with no terminal and no pipe back to the caller.
func detachFromCaller() throws {
    let pid = fork()
    if pid != 0 { throw pid < 0 ? Exit.failure : ExitCode.success }
    _ = setsid()
    let null = open("/dev/null", O_RDWR)
    for fd: Int32 in 0...2 { dup2(null, fd) }
    if null > 2 { close(null) }
}
