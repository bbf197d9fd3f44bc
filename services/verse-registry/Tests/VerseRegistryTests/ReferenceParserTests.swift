import Testing
@testable import VerseRegistry

@Suite("References and canon")
struct ReferenceParserTests {
    let parser = ReferenceParser()

    @Test func canonTotalsMatchKJVVersification() {
        let canon = Canon.kjv
        #expect(canon.books.count == 66)
        #expect(canon.chapterCount == 1189)
        #expect(canon.verseCount == 31102)
        #expect(canon.books.first?.osis == "Gen")
        #expect(canon.books.last?.osis == "Rev")
        #expect(canon.book(osis: "Ps")?.verseCounts[118] == 176)
        let last = canon.location(ofOrdinal: 31102)
        #expect((last.book.osis, last.chapter, last.verse) == ("Rev", 22, 21))
        let first = canon.location(ofOrdinal: 1)
        #expect((first.book.osis, first.chapter, first.verse) == ("Gen", 1, 1))
    }

    @Test(arguments: [
        ("John 3:16", "John 3:16", "John.3.16", 1),
        ("Jn 3:16", "John 3:16", "John.3.16", 1),
        ("john 3 : 16", "John 3:16", "John.3.16", 1),
        ("1 Cor 13:4-7", "1 Corinthians 13:4-7", "1Cor.13.4-1Cor.13.7", 4),
        ("1 Corinthians 13:4-7", "1 Corinthians 13:4-7", "1Cor.13.4-1Cor.13.7", 4),
        ("I Cor. 13:4–7", "1 Corinthians 13:4-7", "1Cor.13.4-1Cor.13.7", 4),
        ("1Cor 13:4-7", "1 Corinthians 13:4-7", "1Cor.13.4-1Cor.13.7", 4),
        ("First Corinthians 13:4", "1 Corinthians 13:4", "1Cor.13.4", 1),
        ("Ps 23", "Psalms 23", "Ps.23", 6),
        ("Psalm 119", "Psalms 119", "Ps.119", 176),
        ("Song of Solomon 2:4", "Song of Solomon 2:4", "Song.2.4", 1),
        ("Song of Songs 2:4", "Song of Solomon 2:4", "Song.2.4", 1),
        ("Phil 4:6-7", "Philippians 4:6-7", "Phil.4.6-Phil.4.7", 2),
        ("John.3.16", "John 3:16", "John.3.16", 1),
        ("1Cor.13.4-1Cor.13.7", "1 Corinthians 13:4-7", "1Cor.13.4-1Cor.13.7", 4),
        ("Ps.23", "Psalms 23", "Ps.23", 6),
        ("Gen.1-Gen.2", "Genesis 1-2", "Gen.1-Gen.2", 56),
        ("John 3:16-4:2", "John 3:16-4:2", "John.3.16-John.4.2", 23),
        ("Gen 1-2", "Genesis 1-2", "Gen.1-Gen.2", 56),
        ("Jude 3", "Jude 1:3", "Jude.1.3", 1),
        ("Jude 3-5", "Jude 1:3-5", "Jude.1.3-Jude.1.5", 3),
        ("Obad 1:1-21", "Obadiah 1:1-21", "Obad.1.1-Obad.1.21", 21),
        ("Ob1-21", "Obadiah 1:1-21", "Obad.1.1-Obad.1.21", 21),
        ("Rev 22:21", "Revelation 22:21", "Rev.22.21", 1),
        ("3 Jn 1:14", "3 John 1:14", "3John.1.14", 1),
    ])
    func validReferencesParseAndFormatCanonically(input: String, canonical: String, osis: String, verses: Int) throws {
        let reference = try parser.parse(input)
        #expect(reference.canonical == canonical)
        #expect(reference.osis == osis)
        #expect(reference.verseCount == verses)
    }

    @Test(arguments: [
        ("John 22:1", "John has 21 chapters, not 22"),
        ("Psalms 119:177", "Psalms 119 has 176 verses, not 177"),
        ("Hezekiah 1:1", "unknown book 'Hezekiah'"),
        ("John 0:1", "chapter must be at least 1, not 0"),
        ("John 3:0", "verse must be at least 1, not 0"),
        ("John -3:16", "chapter and verse must be positive numbers in 'John -3:16'"),
        ("John 3:18-16", "'John 3:18-16' ends before it starts"),
        ("", "reference is empty"),
        ("Jude 2:1", "Jude has 1 chapter, not 2"),
        ("Jude 26", "Jude 1 has 25 verses, not 26"),
        ("John 3:16a", "verse '16a' is not a number in 'John 3:16a'"),
        ("John 99999999999999999999", "chapter 99999999999999999999 is out of range"),
        ("3:16", "'3:16' has no book name"),
        ("John", "'John' has no chapter"),
        ("Col.8.16", "Colossians has 4 chapters, not 8"),
        ("PrAzar.1.2", "unknown book 'PrAzar'"),
    ])
    func invalidReferencesSayPreciselyWhy(input: String, message: String) {
        #expect(throws: ReferenceError(message: message)) { try parser.parse(input) }
    }

    /// A space between two numbers is never guessed at: each of these has two readings.
    @Test(arguments: ["Gen 1 1", "Ps 2 3", "John 3:1 6", "Rom 8:2 8", "Jn3 3:16", "John 3 16"])
    func aSpaceInsideNumbersIsRefusedAsAmbiguous(input: String) {
        #expect(throws: ReferenceError(message: "'\(input)' is ambiguous: a space separates two numbers; "
            + "write chapter and verse with ':' (as in 'John 3:16') and no space inside a number")) { try parser.parse(input) }
    }

    @Test func tenKilobyteReferenceIsRefusedCheaply() {
        let huge = String(repeating: "John 3:16 ", count: 1024)
        #expect(throws: ReferenceError(message: "reference is too long (10239 characters; at most 100)")) { try parser.parse(huge) }
    }

    @Test func everyBookResolvesByOSISNameAndAlias() {
        for entry in bookTable {
            #expect(parser.canon.book(named: entry.osis)?.osis == entry.osis)
            #expect(parser.canon.book(named: entry.name)?.osis == entry.osis)
            for alias in entry.aliases {
                #expect(parser.canon.book(named: alias)?.osis == entry.osis, "alias \(alias)")
            }
        }
    }
}

@Suite("Book names in other languages")
struct LocalizedReferenceTests {
    @Test(arguments: [
        ("Juan 3:16", "John 3:16"), ("1 Corintios 13:4-7", "1 Corinthians 13:4-7"), ("Sal 23", "Psalms 23"),
        ("Apocalipsis 21:4", "Revelation 21:4"), ("Éxodo 20:3", "Exodus 20:3"), ("Exodo 20:3", "Exodus 20:3"),
        ("Primera de Juan 4:8", "1 John 4:8"), ("2 Co 5:17", "2 Corinthians 5:17"), ("Stg 1:5", "James 1:5"),
        ("Cantar de los Cantares 2:4", "Song of Solomon 2:4"), ("Hch 2:38", "Acts 2:38"), ("Isaías 41:10", "Isaiah 41:10"),
    ])
    func spanishNamesParse(input: String, canonical: String) throws {
        #expect(try ReferenceParser().parse(input).canonical == canonical)
    }

    @Test func referencesPrintInTheirLanguage() throws {
        let parser = ReferenceParser()
        #expect(try parser.parse("1 Cor 13:4-7").canonical(in: "es", canon: .kjv) == "1 Corintios 13:4-7")
        #expect(try parser.parse("Ps 23").canonical(in: "es", canon: .kjv) == "Salmos 23")
        #expect(try parser.parse("Ps 23").canonical(in: "en", canon: .kjv) == "Psalms 23")
        #expect(try parser.parse("Ps 23").canonical(in: "fr", canon: .kjv) == "Psalms 23")
    }

    /// Every bundled language covers all 66 books, and none of its names means another book
    /// in English.
    @Test func bundledLanguagesAreCompleteAndUnambiguous() {
        #expect(LocalizedBookNames.bundled.map(\.language) == ["es"])
        for language in LocalizedBookNames.bundled {
            #expect(language.conflicts.isEmpty, "\(language.language): \(language.conflicts)")
        }
        #expect(Canon.kjv.languages == ["en", "es"])
    }
}
