import GatehouseSystem
/// The built-in HTML: plain, accessible forms with no script and no inline
/// style, so the strict Content-Security-Policy holds. Every value is escaped.
public struct FormField: Sendable {
    public let name: String
    public let label: String
    public let type: String
    public let value: String
    public let autocomplete: String

    public init(_ name: String, label: String, type: String = "text", value: String = "", autocomplete: String = "off") {
        self.name = name
        self.label = label
        self.type = type
        self.value = value
        self.autocomplete = autocomplete
    }
}

/// The HTML pages. Their frame comes from the site owner's layout template
/// (`<templates_dir>/html/layout.html`: `{{title}}`, `{{site}}` and the page
/// itself as `{{{content}}}`); the forms inside are generated, so every
/// field, error mark and CSRF token is where the endpoints expect it.
public struct Pages: Sendable {
    let layout: Template
    let site: String

    public init(layout: Template, site: String) {
        self.layout = layout
        self.site = site
    }

    public func document(title: String, body: String) -> String {
        layout.render(["title": title, "site": site, "content": body], escape: htmlEscape)
    }

    /// A form; `issues` mark their fields, `message` says what went wrong
    /// overall. Secret fields are never refilled.
    public func form(title: String, action: String, fields: [FormField], submit: String,
                            message: String? = nil, issues: [ValidationIssue] = []) -> String {
        var html = ""
        if let message {
            html += "<p role=\"alert\" id=\"form-error\">\(htmlEscape(message))</p>\n"
        }
        html += "<form method=\"post\" action=\"\(htmlEscape(action))\">\n"
        for f in fields {
            if f.type == "hidden" {
                html += "<input type=\"hidden\" name=\"\(htmlEscape(f.name))\" value=\"\(htmlEscape(f.value))\">\n"
                continue
            }
            let problem = issues.first(where: { $0.field == f.name })?.msg
            let id = "f-" + f.name
            html += "<p><label for=\"\(id)\">\(htmlEscape(f.label))</label><br>"
            html += "<input id=\"\(id)\" name=\"\(htmlEscape(f.name))\" type=\"\(htmlEscape(f.type))\" autocomplete=\"\(htmlEscape(f.autocomplete))\""
            if f.type != "password" && !f.value.isEmpty { html += " value=\"\(htmlEscape(f.value))\"" }
            if let problem {
                html += " aria-invalid=\"true\" aria-describedby=\"\(id)-error\">"
                html += "<br><span class=\"field-error\" id=\"\(id)-error\">\(htmlEscape(problem))</span>"
            } else {
                html += ">"
            }
            html += "</p>\n"
        }
        html += "<p><button type=\"submit\">\(htmlEscape(submit))</button></p>\n</form>\n"
        return document(title: title, body: html)
    }

    public func error(status: Int, message: String, headers: [(String, String)] = []) -> Response {
        .html(status, document(title: Response.reason(status), body: "<p role=\"alert\">\(htmlEscape(message))</p>\n"),
              headers: headers)
    }

    public func message(title: String, text: String) -> Response {
        .html(200, document(title: title, body: "<p>\(htmlEscape(text))</p>\n"))
    }
}
