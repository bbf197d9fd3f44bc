import Foundation
import LumaTestSupport
import Testing

/// README's walkthrough, run against a fresh `lumactl up`, every output line compared.
@Suite("README walkthrough", .serialized)
struct WalkthroughTests {
    struct Step {
        let command: String
        let expected: String
    }

    static func steps() throws -> [Step] {
        let text = try String(contentsOf: readme, encoding: .utf8)
        guard let start = text.range(of: "<!-- walkthrough -->"), let end = text.range(of: "<!-- /walkthrough -->") else {
            throw CocoaError(.fileReadCorruptFile)
        }
        let block = text[start.upperBound..<end.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("```") }
        var steps: [Step] = []
        var command: String?
        var output: [Substring] = []
        func flush() {
            if let command {
                while output.last?.isEmpty == true { output.removeLast() }
                steps.append(Step(command: command, expected: output.joined(separator: "\n")))
            }
        }
        for line in block {
            if line.hasPrefix("$ ") {
                flush()
                command = String(line.dropFirst(2))
                output = []
            } else if command != nil {
                output.append(line)
            }
        }
        flush()
        return steps
    }

    static var readme: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
    }

    /// With LUMA_REGENERATE_DOCS=1 the walkthrough is written back from what the commands print
    /// (after a change to lumactl's output; review the diff).
    static func rewrite(_ outputs: [(command: String, output: String)]) throws {
        let text = try String(contentsOf: readme, encoding: .utf8)
        guard let start = text.range(of: "<!-- walkthrough -->\n```\n"), let end = text.range(of: "```\n<!-- /walkthrough -->") else {
            throw CocoaError(.fileReadCorruptFile)
        }
        let block = outputs.map { "$ \($0.command)\n\($0.output)" }.joined(separator: "\n\n") + "\n"
        try (text[..<start.upperBound] + block + text[end.lowerBound...]).write(to: readme, atomically: true, encoding: .utf8)
    }

    @Test func theWalkthroughProducesExactlyWhatREADMEShows() async throws {
        let steps = try Self.steps()
        #expect(steps.count >= 10)
        let up = UpProcess()
        try await up.start()
        var outputs: [(command: String, output: String)] = []
        defer { if ProcessInfo.processInfo.environment["LUMA_REGENERATE_DOCS"] == "1" { try? Self.rewrite(outputs) } }
        for step in steps {
            let words = shellWords(step.command)
            #expect(words.first == "lumactl")
            let result = try await lumactl(Array(words.dropFirst()), environment: up.environment)
            #expect(result.status == 0, "\(step.command): \(result.stderr)")
            let actual = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
                .joined(separator: "\n").trimmingCharacters(in: .newlines)
            outputs.append((step.command, actual))
            #expect(actual == step.expected, "\(step.command)")
        }
        #expect(await up.interrupt() == 0)
    }
}
