import Foundation
import Hummingbird

/// An `application/x-www-form-urlencoded` body.
struct Form: Sendable {
    let values: [(String, String)]

    subscript(_ name: String) -> String? { values.first { $0.0 == name }?.1 }

    func all(_ name: String) -> [String] { values.filter { $0.0 == name }.map(\.1) }

    /// The value without surrounding white space; empty when absent.
    func text(_ name: String) -> String { (self[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }

    static func read(_ request: Request) async throws -> Form {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        return parse(String(buffer: buffer))
    }

    static func parse(_ body: String) -> Form {
        Form(values: body.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        })
    }
}
