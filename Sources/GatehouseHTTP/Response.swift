import GatehouseJSON

/// A complete response. Serialised as a CGI response with a `Status:` line
/// carrying the reason phrase (nginx passes a bare code on without one) and
/// a Content-Length; every response is `Cache-Control: no-store`.
package struct Response: Sendable {
    package var status: Int
    package var headers: [(String, String)]
    package var body: [UInt8]
    /// False for a FastCGI Authorizer's grant: only Status and its
    /// Variable-* headers. It never reaches the client as such, but
    /// mod_fcgid copies its headers into the protected page's response,
    /// where a Content-Length: 0 would cut that page off.
    package var framed = true

    package init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// FastCGI Authorizer: allow, and hand these variables to what runs next.
    package static func authorized(variables: [(String, String)]) -> Response {
        var response = Response(status: 200, headers: variables.map { ("Variable-" + $0.0, $0.1) })
        response.framed = false
        return response
    }

    package static func json(_ status: Int, _ value: JSONValue, headers: [(String, String)] = []) -> Response {
        Response(status: status, headers: [("Content-Type", "application/json")] + headers,
                 body: Array(value.serialized().utf8))
    }

    /// `{"detail": "..."}`, FastAPI's HTTPException body.
    package static func detail(_ status: Int, _ message: String, headers: [(String, String)] = []) -> Response {
        json(status, .object([("detail", .string(message))]), headers: headers)
    }

    /// HTML carries the strict headers of docs/api.md: no inline script, no
    /// framing, no sniffing, no referrer leaks.
    package static func html(_ status: Int, _ page: String, headers: [(String, String)] = []) -> Response {
        Response(status: status, headers: [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Security-Policy", contentSecurityPolicy(formTargets: [])),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"),
            ("X-Frame-Options", "DENY"),
        ] + headers, body: Array(page.utf8))
    }

    /// form-action also governs where a form's post may redirect to, so a
    /// form that sends the browser on to another origin must name it.
    package static func contentSecurityPolicy(formTargets: [String], scripts: Bool = false) -> String {
        "default-src 'none'; style-src 'self'; img-src 'self'; " + (scripts ? "script-src 'self'; " : "") + "form-action "
            + (["'self'"] + formTargets).joined(separator: " ") + "; base-uri 'none'; frame-ancestors 'none'"
    }

    /// This page with the one script a passkey form needs: script-src
    /// 'self' added to its policy, nothing else (no inline script, no
    /// eval, no connect-src).
    package func allowingScripts() -> Response {
        var page = self
        page.headers = headers.map { name, value in
            guard name == "Content-Security-Policy" else { return (name, value) }
            return (name, value.contains("script-src") ? value : value.replacingFirst("form-action ", with: "script-src 'self'; form-action "))
        }
        return page
    }

    /// 303 See Other: Post/Redirect/Get.
    package static func redirect(to location: String, headers: [(String, String)] = []) -> Response {
        Response(status: 303, headers: [("Location", location)] + headers)
    }

    package func header(_ name: String) -> String? {
        headers.first(where: { $0.0.lowercased() == name.lowercased() })?.1
    }

    package func serialized() -> [UInt8] {
        var head = "Status: \(status) \(Response.reason(status))\r\n"
        for (k, v) in headers {
            // Header values are built by us, but never let a stray CR/LF split them.
            // (Scalars, not Characters: "\r\n" is one Character and would slip past.)
            var clean = ""
            clean.unicodeScalars.append(contentsOf: v.unicodeScalars.filter { $0 != "\r" && $0 != "\n" })
            head += k + ": " + clean + "\r\n"
        }
        guard framed else { return Array((head + "\r\n").utf8) }
        if header("Cache-Control") == nil { head += "Cache-Control: no-store\r\n" }
        head += "Content-Length: \(body.count)\r\n\r\n"
        return Array(head.utf8) + body
    }

    package static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 201: return "Created"
        case 204: return "No Content"
        case 302: return "Found"
        case 303: return "See Other"
        case 307: return "Temporary Redirect"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 409: return "Conflict"
        case 413: return "Content Too Large"
        case 415: return "Unsupported Media Type"
        case 422: return "Unprocessable Entity"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        default: return "Status \(status)"
        }
    }
}

extension String {
    /// The text with the first `target` replaced (no Foundation).
    func replacingFirst(_ target: String, with replacement: String) -> String {
        let t = Array(target.utf8), u = Array(utf8)
        guard !t.isEmpty, u.count >= t.count,
              let i = (0...(u.count - t.count)).first(where: { Array(u[$0..<$0 + t.count]) == t }) else { return self }
        return String(decoding: u[..<i] + Array(replacement.utf8) + u[(i + t.count)...], as: UTF8.self)
    }
}
