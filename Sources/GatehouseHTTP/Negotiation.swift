import GatehouseSystem

/// Content negotiation (docs/api.md): a form post, or `Accept: text/html`
/// (`acceptsHTML`, from `acceptPrefersHTML`), gets HTML; everything else
/// JSON. `formImpliesHTML` is false for the token endpoint, where OAuth2
/// clients post forms and expect JSON.
package func wantsHTML(acceptsHTML: Bool, encoding: BodyEncoding, formImpliesHTML: Bool = true) -> Bool {
    (formImpliesHTML && encoding == .form) || acceptsHTML
}

/// Accept names text/html, and not application/json before it. Once per
/// request, so a scan of the header's bytes: no copy, no lower-casing.
public func acceptPrefersHTML(_ request: Request) -> Bool {
    guard let accept = request.params["HTTP_ACCEPT"], !accept.isEmpty,
          let html = ByteSearch.firstOffset(of: "text/html", in: accept[...], ignoringASCIICase: true) else { return false }
    if let json = ByteSearch.firstOffset(of: "application/json", in: accept[...], ignoringASCIICase: true), json < html { return false }
    return true
}
