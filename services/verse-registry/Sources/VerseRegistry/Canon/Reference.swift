/// A validated reference: a contiguous range of verses within one book.
public struct Reference: Sendable, Hashable {
    public let book: Canon.Book
    public let startChapter: Int
    public let startVerse: Int
    public let endChapter: Int
    public let endVerse: Int
    /// Ordinals of the first and last verse (see `Canon`).
    public let first: Int
    public let last: Int

    public var verseCount: Int { last - first + 1 }

    public static func == (lhs: Reference, rhs: Reference) -> Bool { lhs.first == rhs.first && lhs.last == rhs.last }
    public func hash(into hasher: inout Hasher) { hasher.combine(first); hasher.combine(last) }

    /// Whole chapters: from verse 1 of the first chapter to the last verse of the last, in a
    /// book of several chapters. In a one-chapter book a bare number is a verse ("Jude 3" is
    /// Jude 1:3), so all of Obadiah is written "Obadiah 1:1-21", which parses back to itself
    /// (found by FuzzReference: "Obadiah 1" read back as one verse).
    public var isWholeChapters: Bool {
        book.verseCounts.count > 1 && startVerse == 1 && endVerse == book.verseCounts[endChapter - 1]
    }

    /// "John 3:16", "1 Corinthians 13:4-7", "Psalms 23", "Genesis 1-2", "John 3:16-4:2".
    public var canonical: String {
        if isWholeChapters {
            return startChapter == endChapter ? "\(book.name) \(startChapter)" : "\(book.name) \(startChapter)-\(endChapter)"
        }
        if first == last { return "\(book.name) \(startChapter):\(startVerse)" }
        if startChapter == endChapter { return "\(book.name) \(startChapter):\(startVerse)-\(endVerse)" }
        return "\(book.name) \(startChapter):\(startVerse)-\(endChapter):\(endVerse)"
    }

    /// "John.3.16", "1Cor.13.4-1Cor.13.7", "Ps.23", "Gen.1-Gen.2".
    public var osis: String {
        if isWholeChapters {
            return startChapter == endChapter ? "\(book.osis).\(startChapter)" : "\(book.osis).\(startChapter)-\(book.osis).\(endChapter)"
        }
        let start = "\(book.osis).\(startChapter).\(startVerse)"
        return first == last ? start : "\(start)-\(book.osis).\(endChapter).\(endVerse)"
    }
}

extension Canon {
    /// The reference covering ordinals `first...last` (same book).
    public func reference(first: Int, last: Int) -> Reference {
        let start = location(ofOrdinal: first)
        let end = location(ofOrdinal: last)
        return Reference(book: start.book, startChapter: start.chapter, startVerse: start.verse,
                         endChapter: end.chapter, endVerse: end.verse, first: first, last: last)
    }
}
