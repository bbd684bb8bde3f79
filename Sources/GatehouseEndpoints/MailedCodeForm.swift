import GatehouseCore
import GatehouseHTTP
import GatehousePages

/// A page where a code from a mail is entered to undo something (a change
/// of address, a deletion): whoever has the mail may use it, signed in or
/// not. GET shows the form and changes nothing, so a mail scanner that
/// follows a link undoes nothing; the code is never in a URL.
struct MailedCodeForm {
    /// The page, under the prefix.
    let path: String
    /// Its texts: `<texts>.title`, `.intro`, `.submit`.
    let texts: String
    /// The code field's label.
    let label: String

    static let rules = [FieldRule("token", maxLength: 512, secret: true)]

    /// The form, with the visitor's CSRF field when a session came with
    /// it; after a failed post, its error.
    func page(_ ctx: RequestContext, visitor: Authentication.Visitor?, error: HTTPError? = nil) -> Response {
        let p = ctx.page
        let fields = Authentication.csrfField(ctx, visitor?.session?.auth) + [
            FormField("token", label: p[label], type: "text", autocomplete: "off"),
        ]
        var page = Response.html(error?.status ?? 200, p.form(
            title: p[texts + ".title"], intro: p[texts + ".intro"], action: ctx.url(path), fields: fields,
            submit: p[texts + ".submit"], message: error.map { p.explain($0) }, issues: error?.issues ?? [],
            links: [ctx.wayBack(signedIn: false)]))
        page.headers += (visitor?.headers ?? []) + (error?.response.headers.filter { $0.0 == "Retry-After" } ?? [])
        return page
    }

    /// GET: the form. POST: the code posted, spaces taken out (a code
    /// copied from a mail may have some), for `use`.
    func handle(_ ctx: RequestContext, use: (String, Authentication.Visitor) throws -> Response) throws -> Response {
        let visitor = try Authentication.optional(ctx)
        guard ctx.request.method == "POST" else { return page(ctx, visitor: visitor) }
        try visitor.requireOwnSiteIfAnonymous(ctx)
        let fields = try FieldValidator.validate(ctx.body.value, query: [], rules: Self.rules)
        return try use(fields["token"]!.filter { !$0.isWhitespace }, visitor)
    }

    /// A failed post shown again on the form.
    func failed(_ error: HTTPError, _ ctx: RequestContext) -> Response {
        page(ctx, visitor: try? Authentication.optional(ctx), error: error)
    }
}
