import GatehouseHTTP
import GatehouseJSON
import GatehouseSystem

/// One input of a generated form.
package struct FormField: Sendable {
    package let name: String
    package let label: String
    package let type: String
    package let value: String
    package let autocomplete: String
    /// Shown under the label and tied to the input (aria-describedby).
    package let hint: String

    package init(_ name: String, label: String, type: String = "text", value: String = "", autocomplete: String = "off",
                hint: String = "") {
        self.name = name
        self.label = label
        self.type = type
        self.value = value
        self.autocomplete = autocomplete
        self.hint = hint
    }

    package static func hidden(_ name: String, _ value: String) -> FormField {
        FormField(name, label: "", type: "hidden", value: value)
    }
}

/// A link a page offers onward (forgotten password, back to the account).
package struct PageLink: Sendable {
    package let text: String
    package let href: String
    package init(_ text: String, _ href: String) {
        self.text = text
        self.href = href
    }
}

/// What every language's pages are made from, loaded once per process:
/// the site owner's layout (`<templates_dir>/html/layout.html`) and the
/// catalogues (`<templates_dir>/locales/*.txt`). The layout gets `{{lang}}`,
/// `{{dir}}`, `{{title}}`, `{{site}}`, `{{home}}`, `{{stylesheet}}`,
/// `{{home_label}}` and the page as `{{{content}}}`; the forms inside are
/// generated, so every field, error mark and CSRF token is where the
/// endpoints expect it. No script and no inline style: the strict
/// Content-Security-Policy holds.
package struct Pages: Sendable {
    let layout: Template
    let site: String
    let catalogues: [String: Catalogue]
    let defaultLanguage: String
    /// The account home and the stylesheet, as the layout links them.
    let home: String
    let stylesheet: String

    package init(layout: Template, site: String, catalogues: [Catalogue], defaultLanguage: String = "en",
                home: String = "/account/", stylesheet: String = "/account/assets/gatehouse.css") {
        self.layout = layout
        self.site = site
        self.catalogues = Dictionary(catalogues.map { ($0.language, $0) }, uniquingKeysWith: { a, _ in a })
        self.defaultLanguage = self.catalogues[defaultLanguage] == nil ? "en" : defaultLanguage
        self.home = home
        self.stylesheet = stylesheet
    }

    package var languages: Set<String> { Set(catalogues.keys) }

    /// The pages in the language the request prefers among those available.
    package func page(acceptLanguage: String?) -> Page {
        let language = LanguageChoice.best(acceptLanguage, available: languages, fallback: defaultLanguage)
        let chain = [catalogues[language], catalogues[defaultLanguage], catalogues["en"]].compactMap { $0 }
        return Page(pages: self, language: language, chain: chain)
    }
}

/// The pages in one language, for one request.
package struct Page: Sendable {
    let pages: Pages
    package let language: String
    /// The chosen language, then the site's default, then English: a key a
    /// site owner's catalogue lacks still shows in some language.
    let chain: [Catalogue]

    /// The text of `key`, values filled in; the key itself if no catalogue has it.
    package subscript(_ key: String, _ values: [String: String] = [:]) -> String {
        Catalogue.fill(lookup(key) ?? key, values)
    }

    func lookup(_ key: String) -> String? {
        for c in chain { if let t = c.text(key) { return t } }
        return nil
    }

    /// The text of `key` if some catalogue has it.
    package func text(_ key: String) -> String? { lookup(key) }

    /// An error as a page says it: in this language, and a 429 with its
    /// wait in words.
    package func explain(_ error: HTTPError) -> String {
        var text = message(error.message)
        if error.status == 429, let wait = error.response.header("Retry-After").flatMap(Int.init) {
            text += " " + self["wait.again-in", ["time": duration(wait)]]
        }
        return text
    }

    var direction: String { chain.first?.direction ?? "ltr" }

    /// A message of the JSON API (English, fixed for its clients) in the
    /// words this language's pages use for it.
    package func message(_ apiMessage: String) -> String {
        lookup("api: " + apiMessage) ?? apiMessage
    }

    /// A field's problem: its exact message if the catalogue has it, else
    /// its kind (pydantic's `type`, its `ctx` filled in), else as sent.
    package func problem(_ issue: ValidationIssue) -> String {
        if let t = lookup("api: " + issue.msg) { return t }
        var values = [String: String]()
        for (k, v) in issue.ctx ?? [] {
            switch v {
            case .number(let n): values[k] = n
            case .string(let s): values[k] = s
            default: break
            }
        }
        if issue.field == "email", issue.type == "value_error", let t = lookup("issue.email") { return t }
        if let t = lookup("issue." + issue.type) { return Catalogue.fill(t, values) }
        return issue.msg
    }

    /// A wait in words: "45 seconds", "2 minutes", "1 hour".
    package func duration(_ seconds: Int) -> String {
        let (n, unit): (Int, String) = seconds < 90 ? (max(1, seconds), "second")
            : seconds < 5400 ? ((seconds + 30) / 60, "minute") : ((seconds + 1800) / 3600, "hour")
        return self["time.\(unit)\(n == 1 ? "" : "s")", ["n": String(n)]]
    }

    package func document(title: String, body: String) -> String {
        pages.layout.render(["title": title, "site": pages.site, "content": body, "lang": language, "dir": direction,
                             "home": pages.home, "home_label": self["nav.home"], "stylesheet": pages.stylesheet],
                            escape: htmlEscape)
    }

    /// A form. `message` says what went wrong overall (and, with issues,
    /// each field says what is wrong with it); `notice` is good news from
    /// the step before. Secret fields are never refilled.
    package func form(title: String, intro: String? = nil, notice: String? = nil, action: String, fields: [FormField],
                     submit: String, message: String? = nil, issues: [ValidationIssue] = [], links: [PageLink] = [],
                     before: String = "", after: String = "") -> String {
        var html = Page.notice(notice)
        if let message {
            html += "<p class=\"error-summary\" role=\"alert\" id=\"form-error\">\(htmlEscape(message))</p>\n"
        }
        if let intro { html += "<p class=\"intro\">\(htmlEscape(intro))</p>\n" }
        html += before
        html += "<form method=\"post\" action=\"\(htmlEscape(action))\" novalidate>\n"
        for f in fields {
            if f.type == "hidden" {
                html += "<input type=\"hidden\" name=\"\(htmlEscape(f.name))\" value=\"\(htmlEscape(f.value))\">\n"
                continue
            }
            let problem = issues.first(where: { $0.field == f.name }).map(self.problem)
            let id = "f-" + f.name
            var described = [String]()
            html += "<div class=\"field\(problem == nil ? "" : " invalid")\">\n<label for=\"\(id)\">\(htmlEscape(f.label))</label>\n"
            if !f.hint.isEmpty {
                html += "<p class=\"hint\" id=\"\(id)-hint\">\(htmlEscape(f.hint))</p>\n"
                described.append(id + "-hint")
            }
            if let problem {
                html += "<p class=\"field-error\" id=\"\(id)-error\">\(htmlEscape(problem))</p>\n"
                described.append(id + "-error")
            }
            html += "<input id=\"\(id)\" name=\"\(htmlEscape(f.name))\" type=\"\(htmlEscape(f.type))\" autocomplete=\"\(htmlEscape(f.autocomplete))\""
            if f.type == "text" && f.autocomplete == "one-time-code" { html += " inputmode=\"numeric\"" }
            if f.type != "password" && !f.value.isEmpty { html += " value=\"\(htmlEscape(f.value))\"" }
            if problem != nil { html += " aria-invalid=\"true\"" }
            if !described.isEmpty { html += " aria-describedby=\"\(described.joined(separator: " "))\"" }
            html += ">\n</div>\n"
        }
        html += "<button type=\"submit\">\(htmlEscape(submit))</button>\n</form>\n" + after + Page.links(links)
        return document(title: title, body: html)
    }

    /// A small form that is one button (send the code again, sign out).
    package func button(action: String, fields: [FormField], label: String) -> String {
        var html = "<form method=\"post\" action=\"\(htmlEscape(action))\" class=\"inline\">\n"
        for f in fields {
            html += "<input type=\"hidden\" name=\"\(htmlEscape(f.name))\" value=\"\(htmlEscape(f.value))\">\n"
        }
        return html + "<button type=\"submit\" class=\"secondary\">\(htmlEscape(label))</button>\n</form>\n"
    }

    package func error(status: Int, message: String, headers: [(String, String)] = [], links: [PageLink] = []) -> Response {
        .html(status, document(title: self["error.title"],
                               body: "<p class=\"error-summary\" role=\"alert\">\(htmlEscape(message))</p>\n" + Page.links(links)),
              headers: headers)
    }

    package func message(title: String, text: String, links: [PageLink] = []) -> Response {
        .html(200, document(title: title, body: "<p>\(htmlEscape(text))</p>\n" + Page.links(links)))
    }

    package static func notice(_ text: String?) -> String {
        text.map { "<p class=\"notice\" role=\"status\">\(htmlEscape($0))</p>\n" } ?? ""
    }

    package static func links(_ links: [PageLink]) -> String {
        guard !links.isEmpty else { return "" }
        return "<ul class=\"links\">\n" + links.map {
            "<li><a href=\"\(htmlEscape($0.href))\">\(htmlEscape($0.text))</a></li>\n"
        }.joined() + "</ul>\n"
    }
}
