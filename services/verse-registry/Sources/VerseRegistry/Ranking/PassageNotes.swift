import Foundation

/// The editors' note on each curated passage, per language (`passage_notes.<language>.tsv`:
/// "reference<TAB>note"): the passage's theme in one sentence, which the template generator
/// weaves into the reflection and the meditation so they speak about this passage rather than
/// about the category. A claim returns the note of the passage it took in the item's language;
/// a passage without one (an editor's own pin, a scored verse) returns none and the generator
/// says something about the day's theme instead. Adding a language is adding its file.
public struct PassageNotes: Sendable {
    /// (first ordinal, last ordinal) -> note, per language code.
    let notes: [String: [Range: String]]

    struct Range: Hashable, Sendable {
        let first: Int
        let last: Int
    }

    public init(files: [String: String], canon: Canon = .kjv) throws {
        let parser = ReferenceParser(canon: canon)
        var notes: [String: [Range: String]] = [:]
        for (language, text) in files {
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where !line.hasPrefix("#") && !line.trimmingCharacters(in: .whitespaces).isEmpty {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                guard fields.count == 2, !fields[1].isEmpty else {
                    throw CanonError.malformed("passage_notes.\(language).tsv line \(number + 1): expected reference<TAB>note")
                }
                let reference: Reference
                do { reference = try parser.parse(fields[0]) } catch {
                    throw CanonError.malformed("passage_notes.\(language).tsv line \(number + 1): \(error.message)")
                }
                notes[language, default: [:]][Range(first: reference.first, last: reference.last)] = fields[1]
            }
        }
        self.notes = notes
    }

    /// The note on exactly this passage in `language`, if the editors wrote one.
    public func note(first: Int, last: Int, language: String) -> String? {
        notes[language]?[Range(first: first, last: last)]
    }

    /// How many passages have a note in `language`.
    public func count(language: String) -> Int { notes[language]?.count ?? 0 }

    /// The notes shipped in the resource bundle (every `passage_notes.*.tsv`).
    public static let bundled: PassageNotes = {
        guard let directory = Bundle.module.url(forResource: "bible", withExtension: nil),
              let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            fatalError("the bible directory is missing from the VerseRegistry resource bundle")
        }
        var files: [String: String] = [:]
        for name in names where name.hasPrefix("passage_notes.") && name.hasSuffix(".tsv") {
            let language = String(name.dropFirst("passage_notes.".count).dropLast(".tsv".count))
            files[language] = try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        }
        do { return try PassageNotes(files: files) } catch {
            fatalError("\(error)")   // shipped data; CuratedPassagesTests load it
        }
    }()
}
