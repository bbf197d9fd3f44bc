/// The page frame every page shares: skip link, header with the person and sign-out, main.
enum Layout {
    static func page(_ title: String, session: StudioSession?, flash: StudioSession.Flash? = nil, _ body: HTML) -> HTML {
        let nav: HTML
        if let session {
            let links: [(String, String)] = session.role == .admin
                ? [("/calendar", "Calendar"), ("/review", "Review queue"), ("/items", "Items"), ("/creators", "Creators"), ("/users", "Users"),
                   ("/operations", "Operations")]
                : [("/assignments", "My assignments")]
            nav = """
                <nav aria-label="Main"><ul>\(links.map { link -> HTML in "<li><a href=\"\(link.0)\">\(link.1)</a></li>" })</ul></nav>
                <form method="post" action="/sign-out" class="sign-out">\(csrf(session))
                <span>\(session.name) (\(session.role.rawValue))</span> <button type="submit">Sign out</button></form>
                """
        } else {
            nav = ""
        }
        // A success says so; a refusal is summarised here, linking to the field it names, and
        // repeated next to that field (`field`, `fieldError`).
        let banner: HTML = flash.map { flash in
            if flash.success { return "<p class=\"notice\" role=\"status\" id=\"flash\">\(flash.message)</p>" }
            if flash.field.isEmpty { return "<p class=\"error\" role=\"alert\" id=\"flash\">\(flash.message)</p>" }
            return "<div class=\"error-summary\" role=\"alert\" id=\"flash\"><p>There is a problem: <a href=\"#field-\(flash.field)\">\(flash.message)</a></p></div>"
        } ?? ""
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · Luma Studio</title>
            <link rel="stylesheet" href="/studio.css">
            </head>
            <body>
            <a class="skip" href="#main">Skip to content</a>
            <header><a class="brand" href="/">Luma Studio</a>\(nav)</header>
            <main id="main" tabindex="-1">
            <h1>\(title)</h1>
            \(banner)
            \(body)
            </main>
            </body>
            </html>
            """
    }

    static func csrf(_ session: StudioSession) -> HTML {
        "<input type=\"hidden\" name=\"_csrf\" value=\"\(session.csrfToken)\">"
    }

    /// A labelled input with the error the last refusal named for it, if any.
    static func field(_ label: String, name: String, type: String = "text", value: String = "", required: Bool = false,
                      flash: StudioSession.Flash?, extra: String = "") -> HTML {
        let error = flash.flatMap { $0.field == name && !$0.success ? $0.message : nil }
        let value = flash?.values[name] ?? value
        let id = "field-\(name)"
        let describedBy: HTML = error == nil ? "" : " aria-describedby=\"\(id)-error\" aria-invalid=\"true\""
        let errorHTML: HTML = error.map { "<p class=\"error\" id=\"\(id)-error\" role=\"alert\">\($0)</p>" } ?? ""
        return """
            <p class="field"><label for="\(id)">\(label)</label>
            <input id="\(id)" name="\(name)" type="\(type)" value="\(value)"\(HTML(raw: required ? " required" : ""))\(HTML(raw: extra.isEmpty ? "" : " " + extra))\(describedBy)>
            \(errorHTML)</p>
            """
    }

    static func fieldError(_ name: String, flash: StudioSession.Flash?) -> HTML {
        guard let flash, flash.field == name, !flash.success else { return "" }
        return "<p class=\"error\" id=\"field-\(name)-error\" role=\"alert\">\(flash.message)</p>"
    }
}
