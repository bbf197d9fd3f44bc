import Foundation

/// The editorial rules every generated item keeps, whoever wrote it: the template generator's
/// output is tested against them over a whole year, and `ScriptValidator` refuses a free
/// generator's answer that breaks one (docs/content.md, "What every script keeps").
public enum ScriptRules {
    /// A script must not open like one of the same language and mode's scripts of this many
    /// days before.
    public static let openingWindow = 7

    /// The first sentence of a text (through its first . ? or !), trimmed.
    public static func firstSentence(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let end = trimmed.firstIndex(where: { ".?!".contains($0) }) else { return trimmed }
        return String(trimmed[...end])
    }

    /// The words an opening is compared by: its first five, lowercased, without punctuation.
    public static func openingKey(_ text: String) -> String {
        words(firstSentence(text)).prefix(5).joined(separator: " ")
    }

    /// How many times a script quotes the verse: occurrences of the verse's first eight words
    /// (compared without case or punctuation). The verse is read once, in the camera script.
    public static func quotations(of verse: String, in script: String) -> Int {
        let probe = words(verse).prefix(8)
        guard probe.count >= 3 else { return 0 }
        let text = words(script)
        guard text.count >= probe.count else { return 0 }
        var count = 0
        var index = 0
        while index + probe.count <= text.count {
            if text[index..<index + probe.count].elementsEqual(probe) { count += 1; index += probe.count } else { index += 1 }
        }
        return count
    }

    /// The words of `list` (old spellings) that `text` contains as whole words.
    public static func oldSpellings(in text: String, list: [String]) -> [String] {
        guard !list.isEmpty else { return [] }
        let found = Set(words(text))
        return list.filter { found.contains($0.lowercased()) }
    }

    /// Lowercased words, punctuation dropped (letters, digits and apostrophes kept).
    static func words(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "'" || $0 == "’") }).map(String.init)
    }
}
