#if canImport(Glibc)
import Glibc
#endif
import CFastCGI
import GatehouseSystem

// Signal state lives in plain globals touched only with async-signal-safe
// operations: a handler must be a global function, never a closure.
nonisolated(unsafe) private var inRequest: sig_atomic_t = 0
nonisolated(unsafe) private var stopRequested: sig_atomic_t = 0

/// SIGTERM (or SIGUSR1) while idle, blocked in accept: exit now. While a request is in
/// hand: finish it, then exit before the next accept.
private func onTerminate(_ signal: Int32) {
    if inRequest == 0 { _exit(0) }
    stopRequested = 1
}

/// How a responder process was started.
package enum RuntimeMode: Equatable, Sendable {
    /// One request from the environment and stdin, answered on stdout.
    case cgi
    /// An accept loop on an inherited socket (fd 0) or one we opened.
    case fastCGI(listenFD: Int32)
}

package struct RuntimeOptions: Equatable, Sendable {
    package var listen: String?
    package var backlog: Int32 = 128
    package var help = false

    package static let usage = """
    usage: RESPONDER [--listen PATH|HOST:PORT] [--backlog N]

    Without --listen, serves FastCGI on the socket passed as fd 0 (spawn-fcgi,
    lighttpd bin-path, systemd socket activation), or answers one request as
    plain CGI when fd 0 is not a socket. Configuration: GATEHOUSE_CONFIG, else
    gatehouse.conf beside the executable, else /etc/gatehouse/gatehouse.conf.

    """

    package struct Invalid: Error, CustomStringConvertible {
        package let description: String
    }

    /// The arguments that are ours to obey. Started as CGI, none: Apache's
    /// mod_cgi and mod_cgid still follow the ISINDEX convention and hand a
    /// query string without "=" to the program as its argv, so there the
    /// command line is the client's (`?--listen+gatehouse.conf` would
    /// otherwise replace the configuration with a socket). A CGI server
    /// always sets GATEWAY_INTERFACE (RFC 3875 §4.1.4) and REQUEST_METHOD;
    /// the supervisors that pass options (spawn-fcgi, systemd, make run)
    /// set neither. mod_fcgid sets them in the environment of a process it
    /// spawns but passes no arguments, so nothing is lost there. Pure.
    package static func arguments(_ argv: [String], environment: (String) -> String?) -> [String] {
        environment("GATEWAY_INTERFACE") != nil || environment("REQUEST_METHOD") != nil ? [] : argv
    }

    /// Pure: arguments in, options or a message out.
    package static func parse(_ args: [String]) throws(Invalid) -> RuntimeOptions {
        var o = RuntimeOptions()
        var i = 0
        while i < args.count {
            switch args[i] {
            case "--listen", "--backlog":
                guard i + 1 < args.count, !args[i + 1].isEmpty else { throw Invalid(description: "\(args[i]) needs a value") }
                if args[i] == "--listen" {
                    o.listen = args[i + 1]
                } else {
                    guard let n = Int32(args[i + 1]), n > 0 else { throw Invalid(description: "--backlog needs a positive number") }
                    o.backlog = n
                }
                i += 2
            case "-h", "--help":
                o.help = true
                i += 1
            default:
                throw Invalid(description: "unknown argument \(args[i])")
            }
        }
        return o
    }
}

package enum Runtime {
    /// Decides the mode and prepares the listening socket. Must run before
    /// anything else touches fd 0.
    package static func start(_ options: RuntimeOptions) throws(RuntimeOptions.Invalid) -> RuntimeMode {
        signal(SIGPIPE, SIG_IGN)
        if let listen = options.listen {
            let path = try listenAddress(listen)
            guard FCGX_Init() == 0 else { throw .init(description: "FCGX_Init failed") }
            let fd = FCGX_OpenSocket(path, options.backlog)
            guard fd >= 0 else { throw .init(description: "cannot listen on \(listen)") }
            if listen.hasPrefix("/") { chmod(listen, 0o660) }
            return .fastCGI(listenFD: fd)
        }
        // systemd socket activation hands the socket over as fd 3.
        if let fds = getenv("LISTEN_FDS"), let pid = getenv("LISTEN_PID"),
           Int32(String(cString: pid)) == getpid(), Int(String(cString: fds)) ?? 0 >= 1 {
            dup2(3, 0)
            close(3)
        }
        // FCGX_Accept_r does not fall back to CGI on a non-socket stdin: ask first.
        if FCGX_IsCGI() != 0 { return .cgi }
        guard FCGX_Init() == 0 else { throw .init(description: "FCGX_Init failed") }
        return .fastCGI(listenFD: 0)
    }

    /// What `--listen` hands libfcgi: HOST:PORT as it is, a path made
    /// explicit. libfcgi unlinks whatever is at a path before it binds
    /// there, so only a socket (a previous run's) may be replaced, never a
    /// file or a directory.
    static func listenAddress(_ listen: String) throws(RuntimeOptions.Invalid) -> String {
        guard listen.hasPrefix("/") || !listen.contains(":") else { return listen }
        let path = listen.hasPrefix("/") ? listen : "./" + listen
        if let mode = Posix.mode(path), mode & S_IFMT != S_IFSOCK {
            throw .init(description: "--listen \(listen): exists and is not a socket; not replacing it")
        }
        return path
    }

    package static func serve<R: Responder>(_ mode: RuntimeMode, maxBody: Int, responder: inout R) {
        installSignalHandlers()
        switch mode {
        case .cgi: serveCGI(maxBody: maxBody, responder: &responder)
        case .fastCGI(let fd): serveFastCGI(listenFD: fd, maxBody: maxBody, responder: &responder)
        }
    }

    static func installSignalHandlers() {
        // Replaces libfcgi's handlers: no SA_RESTART, so a blocked accept()
        // returns and the loop can look at the flag.
        var sa = sigaction()
        sa.__sigaction_handler.sa_handler = onTerminate
        sigemptyset(&sa.sa_mask)
        sa.sa_flags = 0
        sigaction(SIGTERM, &sa, nil)
        sigaction(SIGINT, &sa, nil)
        // SIGUSR1 is how multiwatch (and libfcgi's own convention) asks for a
        // graceful stop; left to libfcgi's handler, every later accept fails
        // at once and the loop would spin.
        sigaction(SIGUSR1, &sa, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// NAME=value strings into a dictionary, copied at once (libfcgi's die at
    /// the next accept), split on bytes rather than Characters.
    ///
    /// A name the server sends twice keeps its first value, as libfcgi's
    /// FCGX_GetParam (and so most FastCGI programs) has it: a deployment's
    /// `fastcgi_param` override placed before the include wins. A header the
    /// client sent twice (nginx passes each line as its own HTTP_ param)
    /// keeps every value, joined as RFC 9110 §5.3 combines field lines, so
    /// a proxy's X-Forwarded-For line is not hidden behind the client's.
    static func copyParams(_ envp: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> [String: String] {
        // Sized once: grown from empty, the table was rehashed four times a request.
        var count = 0
        while envp[count] != nil { count += 1 }
        var params = [String: String](minimumCapacity: count)
        var env = envp
        while let entry = env.pointee {
            let bytes = UnsafeRawBufferPointer(start: entry, count: strlen(entry))
            if let eq = bytes.firstIndex(of: UInt8(ascii: "=")) {
                let name = String(decoding: bytes[..<eq], as: UTF8.self)
                let value = String(decoding: bytes[(eq + 1)...], as: UTF8.self)
                if let first = params[name] {
                    if name.hasPrefix("HTTP_") { params[name] = first + (name == "HTTP_COOKIE" ? "; " : ", ") + value }
                } else {
                    params[name] = value
                }
            }
            env += 1
        }
        return params
    }

    static func bodyLimit(_ params: [String: String], maxBody: Int) -> (length: Int, tooLarge: Bool) {
        let announced = Int(params["CONTENT_LENGTH"] ?? "") ?? 0
        return (max(0, min(announced, maxBody)), announced > maxBody)
    }

    static func serveCGI<R: Responder>(maxBody: Int, responder: inout R) {
        let params = copyParams(environ)
        inRequest = 1
        let (length, tooLarge) = bodyLimit(params, maxBody: maxBody)
        let body = tooLarge ? [] : FileDescriptor.read(0, upTo: length).bytes
        if tooLarge {
            // Apache cuts the answer off when a CGI program exits with the
            // body unread; a bounded drain lets the 413 through.
            let announced = Int(params["CONTENT_LENGTH"] ?? "") ?? 0
            var left = min(announced, maxBody * 64)
            while left > 0 {
                let chunk = FileDescriptor.read(0, upTo: min(left, 65536)).bytes
                if chunk.isEmpty { break }
                left -= chunk.count
            }
        }
        let request = RawRequest(params: params, body: body, bodyTooLarge: tooLarge, bodyIncomplete: body.count < length)
        FileDescriptor.writeAll(1, responder.respond(to: request))
        // Closing stdout tells the web server the response is complete.
        close(1)
        responder.afterResponse()
    }

    static func serveFastCGI<R: Responder>(listenFD: Int32, maxBody: Int, responder: inout R) {
        // libfcgi keeps a pointer to the request between calls: it must live
        // at a stable heap address, never in a Swift local.
        let request = UnsafeMutablePointer<FCGX_Request>.allocate(capacity: 1)
        FCGX_InitRequest(request, listenFD, Int32(FCGI_FAIL_ACCEPT_ON_INTR))
        while stopRequested == 0 {
            inRequest = 0
            guard FCGX_Accept_r(request) >= 0 else {
                if errno == EINTR && stopRequested == 0 { continue }
                break
            }
            inRequest = 1
            let params = request.pointee.envp.map(copyParams) ?? [:]
            ErrorLog.shared.stream = request.pointee.err
            let (length, tooLarge) = bodyLimit(params, maxBody: maxBody)
            var body = [UInt8]()
            if !tooLarge && length > 0 {
                body = [UInt8](repeating: 0, count: length)
                let n = body.withUnsafeMutableBytes {
                    FCGX_GetStr($0.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(length), request.pointee.in)
                }
                body.removeLast(length - Int(max(0, n)))
            }
            let raw = RawRequest(params: params, body: body, bodyTooLarge: tooLarge, bodyIncomplete: body.count < length)
            let out = responder.respond(to: raw)
            out.withUnsafeBytes {
                _ = FCGX_PutStr($0.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(out.count), request.pointee.out)
            }
            ErrorLog.shared.stream = nil
            FCGX_Finish_r(request)
            responder.afterResponse()
        }
        FCGX_Free(request, 1)
    }
}
