import GatehousePages
import GatehouseSystem
import XCTest

/// Pages built from the layout: escaped, with the generated form inside.
final class PagesTests: XCTestCase {
    func testPagesEscapeAndUseTheLayout() throws {
        let pages = Pages(layout: try Template("<title>{{title}} - {{site}}</title><main>{{{content}}}</main>"), site: "S&P",
                          catalogues: [try Catalogue(language: "en", source: "")])
        let page = pages.page(acceptLanguage: nil)
            .form(title: "<t>", action: "/a\"", fields: [FormField("u", label: "L", value: "\"><script>")], submit: "Go")
        XCTAssertFalse(page.contains("<script>"))
        XCTAssertTrue(page.contains("&quot;&gt;&lt;script&gt;"))
        XCTAssertTrue(page.hasPrefix("<title>&lt;t&gt; - S&amp;P</title><main><form method=\"post\""))
    }
}
