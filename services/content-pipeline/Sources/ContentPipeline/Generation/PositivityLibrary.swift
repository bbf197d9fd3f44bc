import Foundation
import LumaValues

/// The positivity scripts a person or an avatar reads aloud as they are
/// (`Resources/positivity/<language>.tsv`: "theme<TAB>script", written by the Luma editors).
/// A date's item is the script at its day number modulo the library's length, in an order that
/// interleaves the themes: with 150+ scripts a script comes back only after 150+ days (none
/// within 90), and consecutive days never share a theme. The theme of the day is the script's,
/// so the OpenAI generator writes about the same theme the template one reads.
public struct PositivityLibrary: Sendable {
    public struct Entry: Sendable, Equatable {
        public let theme: String
        public let script: String
    }

    /// Per language, in rotation order.
    public let entries: [String: [Entry]]

    public init(files: [String: String]) throws {
        var entries: [String: [Entry]] = [:]
        for (language, text) in files {
            var parsed: [Entry] = []
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where !line.hasPrefix("#") && !line.trimmingCharacters(in: .whitespaces).isEmpty {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                guard fields.count == 2, !fields[0].isEmpty, !fields[1].isEmpty else {
                    throw LibraryError(message: "positivity/\(language).tsv line \(number + 1): expected theme<TAB>script")
                }
                parsed.append(Entry(theme: fields[0], script: fields[1].trimmingCharacters(in: .whitespaces)))
            }
            entries[language] = Self.interleaved(parsed)
        }
        self.entries = entries
    }

    struct LibraryError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// The script of `date` in `language` (`offset` shifts the whole rotation: the generator's
    /// seed); nil when the language has no library.
    public func entry(on date: String, language: String, offset: Int = 0) -> Entry? {
        guard let list = entries[language], !list.isEmpty else { return nil }
        let day = (CalendarDate(date)?.dayNumber ?? 0) % list.count + offset % list.count
        return list[((day % list.count) + list.count) % list.count]
    }

    /// Orders the scripts so that no two neighbours (the last and the first included) share a
    /// theme: each step takes the next script of the theme with most scripts left that is not
    /// the previous one's (ties in order of first appearance). Keeps each theme's own order.
    static func interleaved(_ list: [Entry]) -> [Entry] {
        var order: [String] = []
        var queues: [String: ArraySlice<Entry>] = [:]
        for entry in list {
            if queues[entry.theme] == nil { order.append(entry.theme) }
            queues[entry.theme, default: []].append(entry)
        }
        var result: [Entry] = []
        var previous: String?
        while result.count < list.count {
            let candidates = order.filter { $0 != previous && !(queues[$0]?.isEmpty ?? true) }
            guard let theme = candidates.max(by: { queues[$0]!.count < queues[$1]!.count }) ?? order.first(where: { !(queues[$0]?.isEmpty ?? true) }) else { break }
            result.append(queues[theme]!.removeFirst())
            previous = theme
        }
        return result
    }

    /// The libraries shipped in the resource bundle.
    public static let bundled: PositivityLibrary = {
        guard let directory = Bundle.module.url(forResource: "positivity", withExtension: nil),
              let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            fatalError("the positivity directory is missing from the ContentPipeline resource bundle")
        }
        var files: [String: String] = [:]
        for name in names where name.hasSuffix(".tsv") {
            files[String(name.dropLast(4))] = try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        }
        do { return try PositivityLibrary(files: files) } catch {
            fatalError("\(error)")   // shipped data; PositivityLibraryTests load every file
        }
    }()
}
