import FuzzSupport
import VerseRegistry

/// References as people write them, in English and Spanish (`Juan 3:16`, `1 Corintios 13:4-7`)
/// and as OSIS ids. An accepted reference lies inside the canon, starts before it ends, and its
/// canonical and OSIS forms parse back to the same verses.
let parser = ReferenceParser()   // the KJV canon with the bundled Spanish book names

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReference(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var input = FuzzInput(start, count)
    let text = input.restText()
    guard let reference = try? parser.parse(text) else { return 0 }
    let canon = parser.canon
    fuzzCheck(1 <= reference.first && reference.first <= reference.last && reference.last <= canon.verseCount,
              "'\(text)' gave ordinals \(reference.first)...\(reference.last)")
    fuzzCheck(reference.startChapter >= 1 && reference.startChapter <= reference.book.chapterCount,
              "'\(text)' gave chapter \(reference.startChapter)")
    for form in [reference.canonical, reference.osis] {
        let again = try? parser.parse(form)
        fuzzCheck(again == reference, "'\(text)' -> '\(form)' does not parse back to the same verses")
    }
    return 0
}
