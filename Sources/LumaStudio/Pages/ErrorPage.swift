/// A page that says what went wrong in words, never a stack trace.
enum ErrorPage {
    static func render(status: Int, title: String, message: String, detail: String? = nil, session: StudioSession?) -> HTML {
        let detailHTML: HTML = detail.map { "<details><summary>Details for an operator</summary><p><code>\($0)</code></p></details>" } ?? ""
        return Layout.page(title, session: session, """
            <p class="error" role="alert">\(message)</p>
            \(detailHTML)
            <p><a href="/">Back to the studio</a></p>
            <p class="status-code">HTTP \(status)</p>
            """)
    }
}
