import Foundation

/// Book names of one language, from `Resources/bible/book_names.<language>.tsv`: a line per
/// book, "osis<TAB>printed name<TAB>other names, comma-separated". Adding a language is adding
/// such a file; no code changes (docs/content.md).
public struct LocalizedBookNames: Sendable {
    public let language: String
    /// Per book in canon order: the printed name first, then the other names.
    let names: [[String]]

    public func printedName(ofBook index: Int) -> String { names[index][0] }

    init(language: String, tsv: String) throws {
        var byOSIS: [String: [String]] = [:]
        for (number, line) in tsv.split(separator: "\n").enumerated() where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3, bookTable.contains(where: { $0.osis == fields[0] }), !fields[1].isEmpty else {
                throw CanonError.malformed("book_names.\(language).tsv line \(number + 1): \(line.prefix(60))")
            }
            byOSIS[fields[0]] = [fields[1]] + fields[2].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let missing = bookTable.filter { byOSIS[$0.osis] == nil }.map(\.osis)
        guard missing.isEmpty else {
            throw CanonError.malformed("book_names.\(language).tsv lacks \(missing.joined(separator: ", "))")
        }
        self.language = language
        self.names = bookTable.map { byOSIS[$0.osis]! }
    }

    /// Names of this language that English reads as another book. Shipped files have none
    /// (a test checks); English wins if one slips in.
    var conflicts: [String] {
        let english = BookLookup()
        return names.enumerated().flatMap { index, names in
            names.filter { name in english.index(of: name).map { $0 != index } ?? false }
        }
    }

    /// Every `book_names.*.tsv` in the resource bundle.
    static let bundled: [LocalizedBookNames] = {
        guard let directory = Bundle.module.url(forResource: "bible", withExtension: nil),
              let files = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        return files.sorted().compactMap { file -> LocalizedBookNames? in
            guard file.hasPrefix("book_names."), file.hasSuffix(".tsv") else { return nil }
            let language = String(file.dropFirst("book_names.".count).dropLast(".tsv".count))
            guard let text = try? String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8) else { return nil }
            do {
                return try LocalizedBookNames(language: language, tsv: text)
            } catch {
                fatalError("\(error)")   // shipped data; a test loads every file
            }
        }
    }()
}

extension Canon {
    /// Languages with book names: "en" and every bundled file's.
    public var languages: [String] { ["en"] + localizedNames.map(\.language) }

    /// The book's printed name in `language` (English when the language has no names).
    public func name(of book: Book, in language: String) -> String {
        localizedNames.first { $0.language == language }?.printedName(ofBook: book.index) ?? book.name
    }
}

extension Reference {
    /// `canonical` with the book's name in `language`: "Juan 3:16", "1 Corintios 13:4-7".
    public func canonical(in language: String, canon: Canon) -> String {
        let name = canon.name(of: book, in: language)
        guard name != book.name else { return canonical }
        return name + canonical.dropFirst(book.name.count)
    }
}
