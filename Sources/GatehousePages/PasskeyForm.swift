import GatehouseHTTP
import GatehouseSystem

/// A form that a passkey answers: hidden until the one script
/// (`<assets>/webauthn.js`) finds WebAuthn in the browser and shows it;
/// the ceremony's options travel in `data-options` (JSON, escaped as any
/// attribute), and the script puts the answer in the hidden `credential`
/// field and posts the form. Without script, a line says passkeys need it.
extension Page {
    package enum Ceremony: String, Sendable { case create, get }

    package func passkeyForm(_ ceremony: Ceremony, action: String, options: String, fields: [FormField], label: String,
                             nameField: FormField? = nil) -> String {
        var html = "<form method=\"post\" action=\"\(htmlEscape(action))\" class=\"passkey\" data-webauthn=\"\(ceremony.rawValue)\""
            + " data-options=\"\(htmlEscape(options))\" hidden>\n"
        for f in fields + [FormField("credential", label: "", type: "hidden")] {
            html += "<input type=\"hidden\" name=\"\(htmlEscape(f.name))\" value=\"\(htmlEscape(f.value))\">\n"
        }
        if let f = nameField {
            html += "<div class=\"field\">\n<label for=\"f-\(htmlEscape(f.name))\">\(htmlEscape(f.label))</label>\n"
                + "<input id=\"f-\(htmlEscape(f.name))\" name=\"\(htmlEscape(f.name))\" type=\"text\" autocomplete=\"off\" maxlength=\"64\">\n</div>\n"
        }
        html += "<button type=\"submit\">\(htmlEscape(label))</button>\n"
            + "<p class=\"field-error\" role=\"alert\" data-webauthn-error hidden>\(htmlEscape(self["passkey.cancelled"]))</p>\n</form>\n"
            + "<noscript><p class=\"hint\">\(htmlEscape(self["passkey.needs-script"]))</p></noscript>\n"
        return html
    }

    /// The script element a page with a passkey form ends with.
    package var passkeyScript: String {
        let base = pages.stylesheet.split(separator: "/").dropLast().joined(separator: "/")
        return "<script src=\"/\(htmlEscape(base))/webauthn.js\" defer></script>\n"
    }
}
