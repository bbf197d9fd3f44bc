import Foundation

/// Why a reference is invalid, in words a person can act on.
public struct ReferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Parses references the way people write them — `John 3:16`, `Jn 3:16`, `1 Cor 13:4-7`,
/// `Ps 23`, `Song of Solomon 2:4`, `John 3:16-4:2`, `Gen 1-2` — and OSIS ids — `John.3.16`,
/// `1Cor.13.4-1Cor.13.7`, `Ps.23`, `Gen.1-Gen.2` — and checks them against the canon.
public struct ReferenceParser: Sendable {
    public let canon: Canon
    public static let maxLength = 100

    public init(canon: Canon = .kjv) {
        self.canon = canon
    }

    private struct Parts {
        var book: String
        var startChapter: String
        var startVerse: String?
        var endChapter: String?
        var endVerse: String?
    }

    public func parse(_ input: String) throws(ReferenceError) -> Reference {
        let text = input.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw ReferenceError(message: "reference is empty") }
        guard text.count <= Self.maxLength else {
            throw ReferenceError(message: "reference is too long (\(text.count) characters; at most \(Self.maxLength))")
        }
        let parts = try isOSIS(text) ? splitOSIS(text) : splitHuman(text)
        return try resolve(parts, original: text)
    }

    // MARK: Splitting

    private func isOSIS(_ text: String) -> Bool {
        !text.contains(" ") && !text.contains(":") && text.contains(".")
            && canon.lookup.index(of: String(text.prefix(while: { $0 != "." }))) != nil
    }

    private func splitOSIS(_ text: String) throws(ReferenceError) -> Parts {
        let halves = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        let start = halves[0].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(start.count) else { throw malformed(text) }
        var parts = Parts(book: start[0], startChapter: start[1], startVerse: start.count == 3 ? start[2] : nil)
        if halves.count == 2 {
            let end = halves[1].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            switch end.count {
            case 1 where parts.startVerse != nil:            // John.3.16-18
                parts.endChapter = parts.startChapter
                parts.endVerse = end[0]
            case 1:                                           // Gen.1-2
                parts.endChapter = end[0]
            case 2, 3:                                        // John.3.16-John.4.2, Gen.1-Gen.2
                guard canon.lookup.index(of: end[0]) == canon.lookup.index(of: start[0]) else {
                    throw ReferenceError(message: "a reference must stay within one book ('\(text)')")
                }
                parts.endChapter = end[1]
                parts.endVerse = end.count == 3 ? end[2] : nil
            default:
                throw malformed(text)
            }
        }
        return parts
    }

    /// `<book> <C>[:<V>][-<C2>[:<V2>]]`, the book being everything before the first number that
    /// follows a letter ("1 Cor" keeps its leading 1).
    private func splitHuman(_ text: String) throws(ReferenceError) -> Parts {
        let chars = Array(text)
        guard let firstLetter = chars.firstIndex(where: { $0.isLetter }) else {
            throw ReferenceError(message: "'\(Self.shown(text))' has no book name")
        }
        guard let numbersStart = chars[firstLetter...].firstIndex(where: { $0.isNumber }) else {
            throw ReferenceError(message: "'\(Self.shown(text))' has no chapter")
        }
        let book = String(chars[..<numbersStart]).trimmingCharacters(in: .whitespaces)
        // Spaces around ':' and '-' are fine ("John 3 : 16 - 18"); a space between two numbers
        // is not guessed at: "Gen 1 1" could be Genesis 1:1 or 11, "Ps 2 3" Psalm 2:3 or 23.
        let dashed = String(chars[numbersStart...])
            .replacingOccurrences(of: "–", with: "-").replacingOccurrences(of: "—", with: "-")
        let rest = Self.tightened(dashed).trimmingCharacters(in: .whitespaces)
        if rest.contains(where: { $0.isWhitespace }) {
            throw ReferenceError(message: "'\(Self.shown(text))' is ambiguous: a space separates two numbers; "
                + "write chapter and verse with ':' (as in 'John 3:16') and no space inside a number")
        }
        if book.hasSuffix("-") || book.hasSuffix("+") {
            throw ReferenceError(message: "chapter and verse must be positive numbers in '\(Self.shown(text))'")
        }
        let halves = rest.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let start = halves[0].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(start.count) else { throw malformed(text) }
        var parts = Parts(book: book, startChapter: start[0], startVerse: start.count == 2 ? start[1] : nil)
        if halves.count == 2 {
            let end = halves[1].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            switch end.count {
            case 1 where parts.startVerse != nil:             // 13:4-7
                parts.endChapter = parts.startChapter
                parts.endVerse = end[0]
            case 1:                                           // 1-2 (chapters)
                parts.endChapter = end[0]
            case 2:                                           // 3:16-4:2
                parts.endChapter = end[0]
                parts.endVerse = end[1]
            default:
                throw malformed(text)
            }
        }
        return parts
    }

    /// `text` without the whitespace around each ':' and '-' (what the regular expression
    /// `\s*([:\-])\s*` -> `$1` did, in one pass instead of compiling a regex per call: this is
    /// on the hot path of every ValidateReference and GetPassage).
    static func tightened(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var pending = ""
        var afterSeparator = false
        for character in text {
            if character.isWhitespace {
                if !afterSeparator { pending.append(character) }
            } else if character == ":" || character == "-" {
                pending = ""
                out.append(character)
                afterSeparator = true
            } else {
                out += pending
                pending = ""
                out.append(character)
                afterSeparator = false
            }
        }
        return out + pending
    }

    // MARK: Validation

    private func resolve(_ parts: Parts, original: String) throws(ReferenceError) -> Reference {
        guard let book = canon.book(named: parts.book) else {
            let name = parts.book.trimmingCharacters(in: CharacterSet(charactersIn: ". "))
            throw ReferenceError(message: "unknown book '\(Self.shown(name))'")
        }
        var parts = parts
        if book.chapterCount == 1 && parts.startVerse == nil && !(parts.endChapter.map { _ in parts.endVerse != nil } ?? false) {
            // In one-chapter books a bare number is a verse: "Jude 3" is Jude 1:3.
            parts = Parts(book: parts.book, startChapter: "1", startVerse: parts.startChapter,
                          endChapter: parts.endChapter.map { _ in "1" }, endVerse: parts.endChapter)
        }
        let startChapter = try chapter(parts.startChapter, in: book, original: original)
        let endChapter = try parts.endChapter.map { c throws(ReferenceError) in try chapter(c, in: book, original: original) } ?? startChapter
        let startVerse = try parts.startVerse.map { v throws(ReferenceError) in try verse(v, in: book, chapter: startChapter, original: original) } ?? 1
        let endVerse: Int
        if let v = parts.endVerse {
            endVerse = try verse(v, in: book, chapter: endChapter, original: original)
        } else if parts.startVerse != nil && parts.endChapter == nil {
            endVerse = startVerse                              // a single verse
        } else {
            endVerse = book.verseCounts[endChapter - 1]       // to the end of the chapter
        }
        let first = canon.ordinal(book, startChapter, startVerse)
        let last = canon.ordinal(book, endChapter, endVerse)
        guard first <= last else {
            throw ReferenceError(message: "'\(Self.shown(original))' ends before it starts")
        }
        return Reference(book: book, startChapter: startChapter, startVerse: startVerse,
                         endChapter: endChapter, endVerse: endVerse, first: first, last: last)
    }

    private func chapter(_ text: String, in book: Canon.Book, original: String) throws(ReferenceError) -> Int {
        let number = try Self.number(text, what: "chapter", original: original)
        guard number <= book.chapterCount else {
            let noun = book.chapterCount == 1 ? "chapter" : "chapters"
            throw ReferenceError(message: "\(book.name) has \(book.chapterCount) \(noun), not \(Self.shown(text))")
        }
        return number
    }

    private func verse(_ text: String, in book: Canon.Book, chapter: Int, original: String) throws(ReferenceError) -> Int {
        let number = try Self.number(text, what: "verse", original: original)
        let count = book.verseCounts[chapter - 1]
        guard number <= count else {
            throw ReferenceError(message: "\(book.name) \(chapter) has \(count) verses, not \(Self.shown(text))")
        }
        return number
    }

    private static func number(_ text: String, what: String, original: String) throws(ReferenceError) -> Int {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw ReferenceError(message: "\(what) '\(shown(text))' is not a number in '\(shown(original))'")
        }
        guard let number = Int(text), number >= 1 else {
            throw ReferenceError(message: Int(text) == 0 ? "\(what) must be at least 1, not 0" : "\(what) \(shown(text)) is out of range")
        }
        return number
    }

    private func malformed(_ text: String) -> ReferenceError {
        ReferenceError(message: "'\(Self.shown(text))' is not a reference (try 'John 3:16', '1 Cor 13:4-7' or 'Ps 23')")
    }

    /// At most 40 characters of user input in an error message.
    static func shown(_ text: String) -> String {
        text.count <= 40 ? text : String(text.prefix(40)) + "..."
    }
}
