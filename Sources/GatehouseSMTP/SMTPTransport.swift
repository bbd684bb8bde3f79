import CCurl
import CCurlShim
import GatehouseMail

/// Lives apart from GatehouseMail so that only gatehousectl links libcurl
/// (and the thirty libraries it pulls in): a responder that execs per CGI
/// request would pay for loading them every time. Responders hand SMTP
/// delivery to `gatehousectl mail deliver --id …` after the response.
/// SMTP through libcurl (STARTTLS, AUTH, time-outs) rather than a
/// hand-written client.
package struct SMTPTransport: MailTransport {
    package let relay: SMTPRelay
    var url: String { relay.url }
    var tls: SMTPRelay.TLS { relay.tls }
    var username: String { relay.username }
    var password: String { relay.password }

    /// `relay` as the wiring checked it (STARTTLS decided, password read).
    package init(relay: SMTPRelay) {
        self.relay = relay
    }

    final class Upload {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    package func send(_ message: [UInt8], from: String, to: String, timeout: Int) -> String? {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        // libcurl keeps the pointer until cleanup: it must not be a Swift
        // array's, and it is allocated first so that it is freed last
        // (defers run in reverse).
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        guard let curl = curl_easy_init() else { return "curl_easy_init failed" }
        defer { curl_easy_cleanup(curl) }
        let upload = Upload(message)
        let context = Unmanaged.passRetained(upload)
        defer { context.release() }
        var recipients: UnsafeMutablePointer<curl_slist>? = nil
        recipients = curl_slist_append(recipients, "<\(to)>")
        defer { curl_slist_free_all(recipients) }

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
