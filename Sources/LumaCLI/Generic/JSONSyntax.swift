/// A strict JSON (RFC 8259) syntax check that says where the problem is: "line 1, column 27:
/// expected a string key after ',' (trailing commas are not JSON)". Hand-written because the
/// JSON parsers at hand do not help here: Foundation's accepts trailing commas on Linux, and
/// SwiftProtobuf reports only an error kind ("malformedString") with no position.
struct JSONSyntax {
    struct Problem: Error, CustomStringConvertible {
        let line: Int
        let column: Int
        let message: String
        var description: String { "line \(line), column \(column): \(message)" }
    }

    private let bytes: [UInt8]
    private var index = 0

    static func check(_ text: String) throws(Problem) {
        var parser = JSONSyntax(bytes: Array(text.utf8))
        parser.skipSpace()
        try parser.value(depth: 0)
        parser.skipSpace()
        if parser.index < parser.bytes.count { throw parser.problem("unexpected \(parser.shown()) after the JSON value") }
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private func problem(_ message: String) -> Problem {
        var line = 1, column = 1
        for byte in bytes[..<min(index, bytes.count)] {
            if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
        }
        return Problem(line: line, column: column, message: message)
    }

    private func shown() -> String {
        guard let byte = current else { return "end of input" }
        if byte == 0x0A { return "end of line" }
        return byte >= 0x20 && byte < 0x7F ? "'\(Character(UnicodeScalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }

    private mutating func skipSpace() {
        while let byte = current, [0x20, 0x09, 0x0A, 0x0D].contains(byte) { index += 1 }
    }

    private mutating func expect(_ literal: String) throws(Problem) {
        for byte in literal.utf8 {
            guard current == byte else { throw problem("expected '\(literal)', found \(shown())") }
            index += 1
        }
    }

    private mutating func value(depth: Int) throws(Problem) {
        guard depth < 100 else { throw problem("nested more than 100 levels deep") }
        switch current ?? 0 {
        case UInt8(ascii: "{"): try object(depth: depth)
        case UInt8(ascii: "["): try array(depth: depth)
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "t"): try expect("true")
        case UInt8(ascii: "f"): try expect("false")
        case UInt8(ascii: "n"): try expect("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw problem("expected a value, found \(shown())")
        }
    }

    private mutating func object(depth: Int) throws(Problem) {
        index += 1
        skipSpace()
        if current == UInt8(ascii: "}") { index += 1; return }
        while true {
            guard current == UInt8(ascii: "\"") else {
                throw problem(bytes[index - 1] == UInt8(ascii: ",")
                    ? "expected a string key after ',', found \(shown()) (trailing commas are not JSON)"
                    : "expected a string key, found \(shown())")
            }
            try string()
            skipSpace()
            guard current == UInt8(ascii: ":") else { throw problem("expected ':' after the key, found \(shown())") }
            index += 1
            skipSpace()
            try value(depth: depth + 1)
            skipSpace()
            if current == UInt8(ascii: ",") { index += 1; skipSpace(); continue }
            if current == UInt8(ascii: "}") { index += 1; return }
            throw problem("expected ',' or '}' in an object, found \(shown())")
        }
    }

    private mutating func array(depth: Int) throws(Problem) {
        index += 1
        skipSpace()
        if current == UInt8(ascii: "]") { index += 1; return }
        while true {
            try value(depth: depth + 1)
            skipSpace()
            if current == UInt8(ascii: ",") {
                index += 1
                skipSpace()
                if current == UInt8(ascii: "]") { throw problem("expected a value after ',' (trailing commas are not JSON)") }
                continue
            }
            if current == UInt8(ascii: "]") { index += 1; return }
            throw problem("expected ',' or ']' in an array, found \(shown())")
        }
    }

    private mutating func string() throws(Problem) {
        let start = problem("")
        index += 1
        while let byte = current {
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return
            case UInt8(ascii: "\\"):
                guard let escaped = current else { break }
                index += 1
                if escaped == UInt8(ascii: "u") {
                    for _ in 0..<4 {
                        guard let hex = current, (hex >= 0x30 && hex <= 0x39) || (hex | 0x20 >= 0x61 && hex | 0x20 <= 0x66) else {
                            throw problem("bad \\u escape")
                        }
                        index += 1
                    }
                } else if !"\"\\/bfnrt".utf8.contains(escaped) {
                    index -= 1
                    throw problem("bad escape \\\(Character(UnicodeScalar(escaped)))")
                }
            case 0..<0x20:
                index -= 1
                throw problem("control character in a string (escape it)")
            default:
                continue
            }
        }
        throw Problem(line: start.line, column: start.column, message: "string is not closed")
    }

    private mutating func number() throws(Problem) {
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, first >= 0x30, first <= 0x39 else { throw problem("expected a digit, found \(shown())") }
        while let digit = current, digit >= 0x30, digit <= 0x39 { index += 1 }
        if current == UInt8(ascii: ".") {
            index += 1
            guard let digit = current, digit >= 0x30, digit <= 0x39 else { throw problem("expected a digit after '.'") }
            while let digit = current, digit >= 0x30, digit <= 0x39 { index += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let digit = current, digit >= 0x30, digit <= 0x39 else { throw problem("expected a digit in the exponent") }
            while let digit = current, digit >= 0x30, digit <= 0x39 { index += 1 }
        }
    }
}
