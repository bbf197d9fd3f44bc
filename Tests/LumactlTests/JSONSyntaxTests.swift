import Testing
@testable import LumaCLI

@Suite("JSON syntax check")
struct JSONSyntaxTests {
    @Test(arguments: [#"{}"#, #"{"a": 1, "b": [true, false, null, -1.5e3, "x\u00e9\n"]}"#, #"  [ ]  "#, #""ok""#, "0"])
    func validJSONPasses(text: String) throws {
        try JSONSyntax.check(text)
    }

    @Test(arguments: [
        (#"{"a": 1,}"#, "line 1, column 9: expected a string key after ',', found '}' (trailing commas are not JSON)"),
        ("{\n  \"a\": tru\n}", "line 2, column 11: expected 'true', found end of line"),
        (#"{"a" 1}"#, "line 1, column 6: expected ':' after the key, found '1'"),
        (#"{"a": "open}"#, "line 1, column 7: string is not closed"),
        (#"[1 2]"#, "line 1, column 4: expected ',' or ']' in an array, found '2'"),
        (#"{'a': 1}"#, "line 1, column 2: expected a string key, found '''"),
        (#"{} x"#, "line 1, column 4: unexpected 'x' after the JSON value"),
        ("", "line 1, column 1: expected a value, found end of input"),
    ])
    func malformedJSONSaysWhere(text: String, message: String) {
        #expect(throws: JSONSyntax.Problem.self) { try JSONSyntax.check(text) }
        do { try JSONSyntax.check(text) } catch { #expect(error.description == message) }
    }
}
