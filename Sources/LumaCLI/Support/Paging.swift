/// Follows page tokens until the last page: `fetch` gets a token ("" for the first page) and
/// returns that page's rows and the next token ("" when there is none).
func allPages<Row>(_ fetch: (String) async throws -> ([Row], String)) async throws -> [Row] {
    var rows: [Row] = []
    var token = ""
    repeat {
        let (page, next) = try await fetch(token)
        rows += page
        token = next
    } while !token.isEmpty
    return rows
}
