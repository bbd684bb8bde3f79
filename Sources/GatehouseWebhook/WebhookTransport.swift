import CCurl
import CCurlShim
import GatehouseCore
import GatehouseEvents

/// `hook_url`: each event POSTed as JSON with its Standard Webhooks
/// signature, through libcurl (TLS, time-outs), in gatehousectl only (a
/// responder that execs per CGI request would pay for loading libcurl).
/// A 2xx answer means taken; a redirect is not followed (the signed body
/// goes where it was configured to, nowhere else).
package struct WebhookTransport: HookTransport {
    let url: String
    let signature: WebhookSignature
    let timeout: Int
    let clock: Clock

    package init(url: String, signature: WebhookSignature, timeout: Int, clock: Clock) {
        self.url = url
        self.signature = signature
        self.timeout = timeout
        self.clock = clock
    }

    package func deliver(_ payload: [UInt8], id: String, type: String) -> String? {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        // libcurl keeps these pointers until cleanup: allocated first, freed last.
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        let body = UnsafeMutablePointer<UInt8>.allocate(capacity: max(payload.count, 1))
        body.initialize(from: payload, count: payload.count)
        defer { body.deallocate() }
        guard let curl = curl_easy_init() else { return "curl_easy_init failed" }
        defer { curl_easy_cleanup(curl) }
        var headers: UnsafeMutablePointer<curl_slist>? = nil
        // An empty Expect: no 100-continue round trip (a second's wait on
        // some servers) before the body.
        let lines = [("content-type", "application/json"), ("user-agent", "Gatehouse-Webhook/1"), ("expect", "")]
            + signature.headers(id: id, timestamp: clock.now(), body: payload)
        // "name:" alone removes a header libcurl would add.
        for (name, value) in lines { headers = curl_slist_append(headers, value.isEmpty ? name + ":" : "\(name): \(value)") }
        defer { curl_slist_free_all(headers) }

        guard gh_curl_setopt_string(curl, CURLOPT_URL, url) == CURLE_OK,
              gh_curl_setopt_string(curl, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK else {
            return "hook_url: this libcurl cannot be limited to http and https"
        }
        gh_curl_setopt_long(curl, CURLOPT_POST, 1)
        gh_curl_setopt_pointer(curl, CURLOPT_POSTFIELDS, body)
        gh_curl_setopt_long(curl, CURLOPT_POSTFIELDSIZE, payload.count)
        gh_curl_setopt_pointer(curl, CURLOPT_HTTPHEADER, headers)
        gh_curl_setopt_long(curl, CURLOPT_FOLLOWLOCATION, 0)
        gh_curl_setopt_long(curl, CURLOPT_TIMEOUT, timeout)
        gh_curl_setopt_long(curl, CURLOPT_CONNECTTIMEOUT, max(1, timeout / 2))
        gh_curl_setopt_long(curl, CURLOPT_NOSIGNAL, 1)
        gh_curl_setopt_pointer(curl, CURLOPT_ERRORBUFFER, errorBuffer)
        gh_curl_discard_body(curl)
        let rc = curl_easy_perform(curl)
        guard rc == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            return "hook_url: " + (detail.isEmpty ? String(cString: curl_easy_strerror(rc)) : detail)
        }
        var status = 0
        _ = withUnsafeMutablePointer(to: &status) { gh_curl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, $0) }
        return (200...299).contains(status) ? nil : "hook_url answered \(status)"
    }
}
