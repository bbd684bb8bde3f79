/// The family of the browser a User-Agent names, for a person's list of
/// their sessions ("Firefox", "Chrome", "curl"): enough to tell their
/// devices apart, never the whole header (it fingerprints, and it is the
/// client's to make up). Pure; the order matters, since Edge and Opera
/// also say Chrome, and Chrome also says Safari.
package enum BrowserFamily {
    static let families: [(marker: String, name: String)] = [
        ("edg/", "Edge"), ("edge/", "Edge"), ("opr/", "Opera"), ("opera", "Opera"), ("firefox/", "Firefox"),
        ("fxios/", "Firefox"), ("chrome/", "Chrome"), ("crios/", "Chrome"), ("chromium/", "Chrome"),
        ("safari/", "Safari"), ("curl/", "curl"), ("wget/", "Wget"), ("python", "Python"), ("go-http-client", "Go"),
    ]

    package static func of(_ userAgent: String?) -> String {
        guard let ua = userAgent?.prefix(512).lowercased(), !ua.isEmpty else { return "unknown" }
        return families.first { ua.contains($0.marker) }?.name ?? "other"
    }
}
