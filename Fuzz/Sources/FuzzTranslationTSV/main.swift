import FuzzSupport
import VerseRegistry

/// A translation import ("book_no<TAB>osis<TAB>chapter<TAB>verse<TAB>text" lines): every row
/// accepted is a verse of the canon with non-empty text, never more rows than lines.
let canon = Canon.kjv

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTranslationTSV(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var input = FuzzInput(start, count)
    let text = input.restText()
    guard let rows = try? TranslationTSV.parse(text, canon: canon) else { return 0 }
    let lines = text.split(separator: "\n").count
    fuzzCheck(rows.count <= lines, "\(rows.count) rows from \(lines) lines")
    for row in rows {
        fuzzCheck(row.ordinal >= 1 && row.ordinal <= canon.verseCount, "ordinal \(row.ordinal) is outside the canon")
        fuzzCheck(!row.text.isEmpty, "an accepted row has empty text")
    }
    return 0
}
