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
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
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

    @Test func theWalkthroughProducesExactlyWhatREADMEShows() async throws {
        let steps = try Self.steps()
        #expect(steps.count >= 10)
        let up = UpProcess()
        try await up.start()
        for step in steps {
            let words = shellWords(step.command)
            #expect(words.first == "lumactl")
            let result = try await lumactl(Array(words.dropFirst()), environment: up.environment)
            #expect(result.status == 0, "\(step.command): \(result.stderr)")
            let actual = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
                .joined(separator: "\n").trimmingCharacters(in: .newlines)
            #expect(actual == step.expected, "\(step.command)")
        }
        #expect(await up.interrupt() == 0)
    }
}
