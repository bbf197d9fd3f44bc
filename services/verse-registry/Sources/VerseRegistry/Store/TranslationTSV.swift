import LumaRPC

/// Parses translation TSV ("book_no<TAB>osis<TAB>chapter<TAB>verse<TAB>text") into
/// (ordinal, text) rows, checking each line against KJV versification. A bad line is an
/// INVALID_ARGUMENT naming it; nothing is ever shifted to another verse.
public enum TranslationTSV {
    public static func parse(_ text: String, canon: Canon) throws -> [(ordinal: Int, text: String)] {
        try parse(lines: text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init), canon: canon)
    }

    public static func parse(lines: [String], canon: Canon, firstLineNumber: Int = 1) throws -> [(ordinal: Int, text: String)] {
        var rows: [(Int, String)] = []
        rows.reserveCapacity(lines.count)
        for (offset, raw) in lines.enumerated() {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : raw
            if line.isEmpty { continue }
            let number = firstLineNumber + offset
            let fields = line.split(separator: "\t", maxSplits: 4, omittingEmptySubsequences: false)
            guard fields.count == 5 else {
                throw RPCError.invalidArgument("line \(number): expected 5 tab-separated fields, got \(fields.count)", field: "lines")
            }
            guard let bookNumber = Int(fields[0]), (1...canon.books.count).contains(bookNumber) else {
                throw RPCError.invalidArgument("line \(number): book number '\(fields[0].prefix(10))' is not 1-66", field: "lines")
            }
            let book = canon.books[bookNumber - 1]
            guard fields[1] == book.osis else {
                throw RPCError.invalidArgument("line \(number): book \(bookNumber) is \(book.osis), not '\(fields[1].prefix(10))'", field: "lines")
            }
            guard let chapter = Int(fields[2]), (1...book.chapterCount).contains(chapter) else {
                throw RPCError.invalidArgument("line \(number): \(book.name) has no chapter '\(fields[2].prefix(10))'", field: "lines")
            }
            guard let verse = Int(fields[3]), (1...book.verseCounts[chapter - 1]).contains(verse) else {
                throw RPCError.invalidArgument("line \(number): \(book.name) \(chapter) has no verse '\(fields[3].prefix(10))'", field: "lines")
            }
            let text = fields[4].trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else {
                throw RPCError.invalidArgument("line \(number): \(book.name) \(chapter):\(verse) has empty text; leave the line out instead", field: "lines")
            }
            rows.append((canon.ordinal(book, chapter, verse), text))
        }
        return rows
    }
}

import Foundation
