import Foundation

/// KJV versification of the 66-book canon: 1,189 chapters, 31,102 verses. Every verse has an
/// ordinal (1 = Genesis 1:1 ... 31,102 = Revelation 22:21), which makes ranges simple integer
/// intervals in the database.
public struct Canon: Sendable {
    public struct Book: Sendable {
        public let index: Int          // 0-based canon position
        public let osis: String
        public let name: String
        public let verseCounts: [Int]  // per chapter
        public var chapterCount: Int { verseCounts.count }
        /// Ordinal of chapter c, verse 1 is `firstOrdinal[c - 1]`.
        let firstOrdinals: [Int]
    }

    public let books: [Book]
    public let verseCount: Int
    public var chapterCount: Int { books.reduce(0) { $0 + $1.chapterCount } }
    let lookup: BookLookup
    /// Book names in other languages than English, from bundled data.
    let localizedNames: [LocalizedBookNames]

    /// The canon shipped in the resource bundle (from `canon_kjv.tsv`).
    public static let kjv: Canon = {
        guard let url = Bundle.module.url(forResource: "canon_kjv", withExtension: "tsv", subdirectory: "bible"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            fatalError("canon_kjv.tsv is missing from the VerseRegistry resource bundle")
        }
        return try! Canon(tsv: text)
    }()

    /// Parses "book_no<TAB>osis<TAB>name<TAB>chapter<TAB>verses" lines.
    init(tsv: String, localizedNames: [LocalizedBookNames] = LocalizedBookNames.bundled) throws {
        self.localizedNames = localizedNames
        self.lookup = BookLookup(localized: localizedNames)
        var counts = [[Int]](repeating: [], count: bookTable.count)
        for line in tsv.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 5, let bookNumber = Int(fields[0]), (1...bookTable.count).contains(bookNumber),
                  fields[1] == bookTable[bookNumber - 1].osis,
                  let chapter = Int(fields[3]), let verses = Int(fields[4]),
                  chapter == counts[bookNumber - 1].count + 1 else {
                throw CanonError.malformed(String(line))
            }
            counts[bookNumber - 1].append(verses)
        }
        var ordinal = 1
        var books: [Book] = []
        for (index, entry) in bookTable.enumerated() {
            var firsts: [Int] = []
            for verses in counts[index] {
                firsts.append(ordinal)
                ordinal += verses
            }
            books.append(Book(index: index, osis: entry.osis, name: entry.name, verseCounts: counts[index], firstOrdinals: firsts))
        }
        self.books = books
        self.verseCount = ordinal - 1
    }

    public func book(named name: String) -> Book? {
        lookup.index(of: name).map { books[$0] }
    }

    public func book(osis: String) -> Book? {
        books.first { $0.osis == osis }
    }

    /// The ordinal of a verse that exists (callers validate first).
    public func ordinal(_ book: Book, _ chapter: Int, _ verse: Int) -> Int {
        book.firstOrdinals[chapter - 1] + verse - 1
    }

    /// Book, chapter and verse of an ordinal in 1...verseCount.
    public func location(ofOrdinal ordinal: Int) -> (book: Book, chapter: Int, verse: Int) {
        // Books are few; a linear scan over them then a binary search would be overkill.
        var bookIndex = books.count - 1
        while books[bookIndex].firstOrdinals[0] > ordinal { bookIndex -= 1 }
        let book = books[bookIndex]
        var chapter = book.chapterCount
        while book.firstOrdinals[chapter - 1] > ordinal { chapter -= 1 }
        return (book, chapter, ordinal - book.firstOrdinals[chapter - 1] + 1)
    }
}

enum CanonError: Error {
    case malformed(String)
}
