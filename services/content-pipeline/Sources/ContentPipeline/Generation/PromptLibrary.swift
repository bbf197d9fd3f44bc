import Foundation
import LumaRPC

/// The prompts the OpenAI-compatible generator sends: `system.txt` and `<mode>.<language>.txt`
/// (`bible.en.txt`, `positivity.es.txt`, ...), with `{reference}`, `{text}`, `{topic}`,
/// `{note}` (the editors' note on the passage, or the pack's sentence about the topic),
/// `{season}` (a sentence naming the church year's season of the date, or nothing),
/// `{recent_openings}` (the openings of the week before, one per line, to avoid), `{date}` and
/// `{language_name}` filled in: the template generator's inputs, so both write from the same. The bundled files are the defaults; a directory
/// passed with `--generator-prompts` overrides any of them, so editors change wording without
/// a build.
public struct PromptLibrary: Sendable {
    let files: [String: String]

    /// The bundled prompts, overridden by the files of `directory` (if any).
    public init(overrides directory: String? = nil) throws {
        var files = Self.read(Bundle.module.url(forResource: "prompts", withExtension: nil)?.path)
        if let directory {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw RPCError.invalidArgument("--generator-prompts \(directory) is not a directory", field: "generator-prompts")
            }
            files.merge(Self.read(directory)) { _, override in override }
        }
        self.files = files
    }

    init(files: [String: String]) {
        self.files = files
    }

    private static func read(_ directory: String?) -> [String: String] {
        guard let directory, let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [:] }
        var files: [String: String] = [:]
        for name in names where name.hasSuffix(".txt") {
            files[name] = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)
        }
        return files
    }

    /// The system and user messages for one item.
    public func messages(for input: GenerationInput, pack: LanguagePack) throws -> (system: String, user: String) {
        let name = "\(input.mode.rawValue).\(input.language).txt"
        guard let system = files["system.txt"], let user = files[name] else {
            throw RPCError.failedPrecondition("no generator prompt \(files["system.txt"] == nil ? "system.txt" : name)", field: "language")
        }
        let topic = pack.phrase(for: input.topic, mode: input.mode)
        let season = input.season.flatMap { pack.seasons[$0] }
        let values = [
            "{reference}": input.verseReference ?? "", "{text}": input.verseText ?? "",
            "{topic}": topic, "{date}": input.postDate, "{language_name}": pack.name,
            "{note}": input.note ?? pack.noteFallback.replacingOccurrences(of: "{topic}", with: topic),
            "{season}": season.map { "(\($0.name)) " + ($0.reflectionOpening.first ?? "") } ?? "",
            "{recent_openings}": input.recentOpenings.isEmpty ? "-" : input.recentOpenings.map { "- \($0)" }.joined(separator: "\n"),
        ]
        func fill(_ template: String) -> String {
            values.reduce(template) { $0.replacingOccurrences(of: $1.key, with: $1.value) }
        }
        return (fill(system), fill(user))
    }
}
