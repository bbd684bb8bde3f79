import GatehouseCore
import GatehouseHTTP
import GatehousePages

/// Where a page sends the browser next: the sign-in and step-up pages
/// (keeping the return URL), the way back from every page, and the CSP a
/// page needs when its form's redirect may end on another host.
extension RequestContext {
    /// The sign-in form, bringing the browser back to `rd` afterwards.
    func signInURL(returningTo rd: String) -> String {
        pagesOrigin + url("token") + "?rd=" + FormDecoding.escape(rd)
    }

    /// The step-up: a code by e-mail to a signed-in user, then back to `rd`.
    func stepUpURL(returningTo rd: String) -> String {
        pagesOrigin + url("send-otp") + "?purpose=verify&rd=" + FormDecoding.escape(rd)
    }

    /// Re-authentication (password and second factor), then back to `rd`.
    func reauthURL(returningTo rd: String) -> String {
        pagesOrigin + url("reauth") + "?rd=" + FormDecoding.escape(rd)
    }

    /// Where a session short of a second factor goes: to prove it again;
    /// for an account that has none, to turn it on (re-authenticating
    /// would only bring it back, a loop).
    func secondFactorURL(_ user: UserRecord, returningTo rd: String) -> String {
        user.secondFactor.enabled ? reauthURL(returningTo: rd) : pagesOrigin + url("mfa") + "?notice=mfa-needed"
    }

    /// Where a signed-in request refused by `policy` goes: the second
    /// factor's page, the sign-in page (which offers a passkey), or a code
    /// by e-mail.
    func stepUp(for policy: AccessPolicy, _ user: UserRecord, returningTo rd: String) -> String {
        switch policy {
        case .secondFactor: return secondFactorURL(user, returningTo: rd)
        // An account with no passkey yet is sent to add one: the sign-in
        // page would only bring it back here.
        case .passkey: return user.passkeys.isEmpty ? pagesOrigin + url("passkeys") + "?notice=passkey-needed" : signInURL(returningTo: rd)
        case .signedIn, .verifiedEmail, .recentCode: return stepUpURL(returningTo: rd)
        }
    }

    /// Absolute, because nginx's error_page redirects only to absolute URLs.
    var pagesOrigin: String {
        services.site.publicOrigin.isEmpty ? ownOrigin : services.site.publicOrigin
    }

    /// Every page has a way back: to the account home when signed in, else
    /// to the sign-in form (keeping the return URL).
    func wayBack(signedIn: Bool) -> PageLink {
        signedIn ? PageLink(page["nav.back-account"], home)
            : PageLink(page["nav.back-signin"], url("token") + (returnURL.map { "?rd=" + FormDecoding.escape($0) } ?? ""))
    }

    /// `&rd=…` for a link onward that keeps the return URL, or "".
    var returnQuery: String {
        returnURL.map { "&rd=" + FormDecoding.escape($0) } ?? ""
    }

    /// The hidden field that carries the return URL through a form.
    var returnURLField: [FormField] {
        returnURL.map { [FormField("rd", label: "", type: "hidden", value: $0)] } ?? []
    }

    /// A form page whose post may end at the return URL: when that is on
    /// another host (a subdomain sharing the session), the page's CSP
    /// must let the post's redirect go there.
    func permittingReturn(_ page: Response) -> Response {
        guard let target = returnURL.flatMap(ReturnURL.origin(of:)), target != ownOrigin.lowercased() else { return page }
        var page = page
        page.headers = page.headers.map {
            $0.0 == "Content-Security-Policy" ? ($0.0, Response.contentSecurityPolicy(formTargets: [target])) : $0
        }
        return page
    }
}
