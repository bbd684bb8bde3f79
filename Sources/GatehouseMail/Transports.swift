#if canImport(Glibc)
import Glibc
#endif
import GatehouseCrypto
import GatehouseSystem

/// How a spooled message leaves. Each returns nil on success or a short
/// reason (never the message or any secret) on failure.
package protocol MailTransport: Sendable {
    func send(_ message: [UInt8], from: String, to: String, timeout: Int) -> String?
}

/// Writes into a Maildir (tmp/ then rename into new/), the default for
/// local runs: a developer reads the code from a file. Not AtomicFile:
/// Maildir's own protocol wants the temporary in tmp/, where readers do not
/// look, rather than beside the final name in new/.
package struct MaildirTransport: MailTransport {
    package let path: String

    package init(path: String) { self.path = path }

    package func send(_ message: [UInt8], from: String, to: String, timeout: Int) -> String? {
        for sub in ["", "/tmp", "/new", "/cur"] where mkdir(path + sub, 0o700) != 0 && errno != EEXIST {
            return "cannot create \(path + sub): \(String(cString: strerror(errno)))"
        }
        let name = "\(time(nil)).\(Hex.encode(SystemRandom().bytes(8))).gatehouse"
        let tmp = "\(path)/tmp/\(name)"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return "cannot write \(tmp): \(String(cString: strerror(errno)))" }
        // Maildir messages use LF line ends.
        let text = Array(String(decoding: message, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
            .joined(separator: "\n").utf8)
        do { try Posix.writeAll(fd, text, path: tmp) } catch { close(fd); unlink(tmp); return "\(error)" }
        // The outbox forgets the message once this returns nil, so it must be
        // on disk, entry and all.
        guard fsync(fd) == 0 else { close(fd); unlink(tmp); return "fsync failed" }
        close(fd)
        guard rename(tmp, "\(path)/new/\(name)") == 0 else { return "rename into new/ failed" }
        do { try Directory.sync(path + "/new") } catch { return "\(error)" }
        return nil
    }
}

/// Pipes the message to a sendmail-compatible command (`sendmail -t -i`:
/// postfix, exim, msmtp all provide one), with a time limit.
package struct SendmailTransport: MailTransport {
    package let command: [String]

    package init(command: String) {
        self.command = command.split(separator: " ").map(String.init)
    }

    package func send(_ message: [UInt8], from: String, to: String, timeout: Int) -> String? {
        Subprocess.run(command, input: message, timeout: timeout)
    }
}
