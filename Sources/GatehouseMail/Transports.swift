#if canImport(Glibc)
import Glibc
#endif
import CCurl
import CCurlShim
import GatehouseCrypto

/// How a spooled message leaves. Each returns nil on success or a short
/// reason (never the message or any secret) on failure.
public protocol MailTransport: Sendable {
    func send(_ message: [UInt8], from: String, to: String, timeout: Int) -> String?
}

/// Writes into a Maildir (tmp/ then rename into new/), the default for
/// local runs: a developer reads the code from a file.
public struct MaildirTransport: MailTransport {
    public let path: String

    public init(path: String) { self.path = path }

    public func send(_ message: [UInt8], from: String, to: String, timeout: Int) -> String? {
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
        var offset = 0
        while offset < text.count {
            let n = text.withUnsafeBytes { write(fd, $0.baseAddress! + offset, text.count - offset) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { close(fd); unlink(tmp); return "write failed" }
            offset += n
        }
        fsync(fd)
        close(fd)
        guard rename(tmp, "\(path)/new/\(name)") == 0 else { return "rename into new/ failed" }
        return nil
    }
}

/// Pipes the message to a sendmail-compatible command (`sendmail -t -i`:
/// postfix, exim, msmtp all provide one), with a time limit.
public struct SendmailTransport: MailTransport {
    public let command: [String]

    public init(command: String) {
        self.command = command.split(separator: " ").map(String.init)
    }

    public func send(_ message: [UInt8], from: String, to: String, timeout: Int) -> String? {
        guard !command.isEmpty else { return "no sendmail command" }
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else { return "pipe failed" }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[0], 0)
        posix_spawn_file_actions_addclose(&actions, pipeFDs[1])
        // The child must not write into the FastCGI socket or the CGI response.
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let rc = posix_spawn(&pid, command[0], &actions, nil, argv, environ)
        close(pipeFDs[0])
        guard rc == 0 else {
            close(pipeFDs[1])
            return "cannot run \(command[0]): \(String(cString: strerror(rc)))"
        }
        var offset = 0
        while offset < message.count {
            let n = message.withUnsafeBytes { write(pipeFDs[1], $0.baseAddress! + offset, message.count - offset) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            offset += n
        }
        close(pipeFDs[1])
        var status: Int32 = 0
        let deadline = time(nil) + timeout
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { return "waitpid failed" }
            if time(nil) >= deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                return "\(command[0]) timed out after \(timeout)s"
            }
            usleep(20_000)
        }
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        return exited && code == 0 ? nil : "\(command[0]) failed (status \(exited ? code : -1))"
    }
}

/// SMTP through libcurl (STARTTLS, AUTH, time-outs) rather than a
/// hand-written client.
public struct SMTPTransport: MailTransport {
    public enum TLS: String, Sendable { case off, optional, required }
    public let url: String
    public let tls: TLS
    public let username: String
    public let password: String

    public init(url: String, tls: TLS, username: String, password: String) {
        self.url = url
        self.tls = tls
        self.username = username
        self.password = password
    }

    final class Upload {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    public func send(_ message: [UInt8], from: String, to: String, timeout: Int) -> String? {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        guard let curl = curl_easy_init() else { return "curl_easy_init failed" }
        defer { curl_easy_cleanup(curl) }
        let upload = Upload(message)
        let context = Unmanaged.passRetained(upload)
        defer { context.release() }
        var recipients: UnsafeMutablePointer<curl_slist>? = nil
        recipients = curl_slist_append(recipients, "<\(to)>")
        defer { curl_slist_free_all(recipients) }
        // libcurl keeps the pointer until cleanup: it must not be a Swift array's.
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }

        gh_curl_setopt_string(curl, CURLOPT_URL, url)
        gh_curl_setopt_string(curl, CURLOPT_MAIL_FROM, "<\(from)>")
        gh_curl_setopt_pointer(curl, CURLOPT_MAIL_RCPT, recipients)
        gh_curl_setopt_long(curl, CURLOPT_UPLOAD, 1)
        gh_curl_setopt_long(curl, CURLOPT_TIMEOUT, timeout)
        gh_curl_setopt_long(curl, CURLOPT_CONNECTTIMEOUT, max(1, timeout / 2))
        gh_curl_setopt_long(curl, CURLOPT_NOSIGNAL, 1)
        switch tls {
        case .off: gh_curl_setopt_long(curl, CURLOPT_USE_SSL, Int(CURLUSESSL_NONE.rawValue))
        case .optional: gh_curl_setopt_long(curl, CURLOPT_USE_SSL, Int(CURLUSESSL_TRY.rawValue))
        case .required: gh_curl_setopt_long(curl, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
        }
        if !username.isEmpty {
            gh_curl_setopt_string(curl, CURLOPT_USERNAME, username)
            gh_curl_setopt_string(curl, CURLOPT_PASSWORD, password)
        }
        gh_curl_setopt_pointer(curl, CURLOPT_ERRORBUFFER, errorBuffer)
        gh_curl_setopt_pointer(curl, CURLOPT_READDATA, context.toOpaque())
        gh_curl_setopt_read_function(curl) { buffer, size, count, userdata in
            let upload = Unmanaged<Upload>.fromOpaque(userdata!).takeUnretainedValue()
            let n = min(size * count, upload.bytes.count - upload.offset)
            if n > 0 {
                upload.bytes.withUnsafeBytes { src in
                    buffer!.withMemoryRebound(to: UInt8.self, capacity: n) {
                        $0.update(from: src.baseAddress!.assumingMemoryBound(to: UInt8.self) + upload.offset, count: n)
                    }
                }
                upload.offset += n
            }
            return n
        }
        let rc = curl_easy_perform(curl)
        if rc == CURLE_OK { return nil }
        let detail = String(cString: errorBuffer)
        return "smtp: " + (detail.isEmpty ? String(cString: curl_easy_strerror(rc)) : detail)
    }
}
