import Foundation
import GRDB
import Testing
import VersesAPI
@testable import VerseRegistry

/// The bundled RV1909 text as shown (issue 24): corrected data (scripts/fix-rv1909.py) and
/// modern spelling (ModernSpanishSpelling), checked over the whole of sparv.tsv.
@Suite("Spanish text: corrected RV1909 in modern spelling")
struct SpanishTextTests {
    let context = testContext()

    struct Verse { let book: String; let chapter: Int; let verse: Int; let text: String }

    static let verses: [Verse] = {
        let text = try! BundledData.text(named: "sparv")
        return text.split(separator: "\n").map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Verse(book: f[1], chapter: Int(f[2])!, verse: Int(f[3])!, text: f[4])
        }
    }()
    static let shown: [Verse] = verses.map {
        Verse(book: $0.book, chapter: $0.chapter, verse: $0.verse, text: ModernSpanishSpelling.apply($0.text))
    }

    static func words(_ text: String) -> [String] {
        text.split(whereSeparator: { !$0.isLetter }).map(String.init)
    }

    static func shown(_ book: String, _ chapter: Int, _ verse: Int) -> String {
        shown.first { $0.book == book && $0.chapter == chapter && $0.verse == verse }!.text
    }

    /// Old spellings a modern reader takes for errors, beyond the transform's own table.
    static let knownOldForms: Set<String> = [
        "á", "é", "ó", "ú", "fué", "fuí", "dió", "vió", "tí", "hé", "há", "dí", "ví", "piés", "pié", "fé",
        "fuése", "levantóse", "dióle", "dióles", "volvióse", "sentóse", "echóse", "fuéle", "tomóla",
    ]

    @Test func noOldSpellingIsLeftInTheWholeText() {
        var left: [String: Int] = [:]
        for verse in Self.shown {
            for word in Self.words(verse.text) {
                let lower = word.lowercased()
                if ModernSpanishSpelling.words[lower] != nil || Self.knownOldForms.contains(lower)
                    || ModernSpanishSpelling.withoutEncliticAccent(lower) != nil {
                    left[lower, default: 0] += 1
                }
            }
        }
        #expect(left.isEmpty, "old spellings left: \(left)")
    }

    @Test func stressedFormsAndVocabularyStay() {
        let all = Self.shown.flatMap { Self.words($0.text) }
        let counts = Dictionary(all.map { ($0.lowercased(), 1) }, uniquingKeysWith: +)
        for word in ["él", "tú", "mí", "sí", "más", "sé", "dé", "qué", "aún", "díjole", "dióselo", "judíos"] {
            #expect((counts[word] ?? 0) > 0, "\(word) should still be there")
        }
    }

    @Test func noPsalmKeepsItsTitle() {
        for verse in Self.verses where verse.book == "Ps" && verse.verse == 1 {
            for title in ["Salmo de David", "Al Músico principal", "Masquil", "Michtam", "Cántico gradual", "Salmo de Asaph"] {
                #expect(!verse.text.contains(title), "Ps \(verse.chapter):1 keeps its title: \(verse.text.prefix(60))")
            }
        }
        for verse in Self.verses where verse.book == "Ps" && verse.chapter == 119 {
            #expect(!verse.text.hasPrefix("ALEPH") && !verse.text.hasPrefix("BETH"))
        }
    }

    @Test func noGluedWordIsLeft() throws {
        // the fix table of scripts/fix-rv1909.py, as glued tokens
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/fix-rv1909.py")
        let source = try String(contentsOf: script, encoding: .utf8)
        let table = try #require(source.components(separatedBy: "GLUED = \"\"\"").last?.components(separatedBy: "\"\"\"").first)
        let glued = Set(table.split(separator: "|").map { $0.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: " ", with: "") }
            .filter { !$0.isEmpty })
        #expect(glued.count > 250)
        #expect(glued.contains("losdonesespirituales"))
        var left: [String] = []
        for verse in Self.verses {
            for word in Self.words(verse.text) where glued.contains(word.lowercased()) {
                left.append("\(verse.book) \(verse.chapter):\(verse.verse) \(word)")
            }
        }
        #expect(left.isEmpty, "glued words left: \(left)")
        #expect(Self.shown.contains { $0.text.contains("los dones espirituales") })
    }

    /// Capitals inside verses that RV1909 prints so: inscriptions and names.
    static let capitalsKept: [String: Set<String>] = [
        "Exod 3:14": ["YO", "SOY", "EL", "QUE"], "Exod 28:36": ["SANTIDAD", "A", "JEHOVÁ"],
        "Exod 39:30": ["SANTIDAD", "A", "JEHOVÁ"], "Zech 14:20": ["SANTIDAD", "A", "JEHOVÁ"],
        "Num 24:17": ["ESTRELLA"], "Deut 28:58": ["JEHOVÁ", "TU", "DIOS"],
        "Jer 23:6": ["JEHOVÁ", "JUSTICIA", "NUESTRA"], "Ezek 48:35": ["JEHOVÁ", "SHAMMA"],
        "Dan 5:25": ["MENE", "TEKEL", "UPHARSIN"], "Dan 5:26": ["MENE"], "Dan 5:27": ["TEKEL"], "Dan 5:28": ["PERES"],
        "Matt 1:21": ["JESUS"], "Matt 1:25": ["JESUS"], "Luke 1:31": ["JESUS"], "Luke 2:21": ["JESÚS"], "Luke 2:11": ["CRISTO"],
        "Matt 27:37": ["ESTE", "ES", "JESUS", "EL", "REY", "DE", "LOS", "JUDIOS"],
        "Mark 15:26": ["EL", "REY", "DE", "LOS", "JUDIOS"], "Luke 23:38": ["ESTE", "ES", "EL", "REY", "DE", "LOS", "JUDIOS"],
        "John 19:19": ["JESUS", "NAZARENO", "REY", "DE", "LOS", "JUDIOS"], "Acts 17:23": ["AL", "DIOS", "NO", "CONOCIDO"],
        "Rev 2:1": ["EFESO"], "Rev 2:8": ["SMIRNA"], "Rev 2:12": ["PÉRGAMO"], "Rev 2:18": ["TIATIRA"], "Rev 3:1": ["SARDIS"],
        "Rev 3:7": ["FILADELFIA"], "Rev 3:14": ["LAODICEA"],
        "Rev 17:5": ["MISTERIO", "BABILONIA", "LA", "GRANDE", "MADRE", "DE", "LAS", "FORNICACIONES", "Y", "ABOMINACIONES", "TIERRA"],
        "Rev 19:13": ["EL", "VERBO", "DE", "DIOS"], "Rev 19:16": ["REY", "DE", "REYES", "Y", "SEÑOR", "SEÑORES"],
    ]
    /// Names printed in capitals wherever they stand.
    static let namesInCapitals: Set<String> = ["JAH", "JEHOVÁ"]

    @Test func noAllCapsWordOutsideTheInscriptions() {
        var found: [String] = []
        for verse in Self.shown {
            let key = "\(verse.book) \(verse.chapter):\(verse.verse)"
            for word in Self.words(verse.text) where word.count >= 2 && word == word.uppercased() && word != word.lowercased() {
                if Self.namesInCapitals.contains(word) || Self.capitalsKept[key]?.contains(word) == true { continue }
                found.append("\(key) \(word)")
            }
        }
        #expect(found.isEmpty, "all-caps words: \(found.prefix(20))")
    }

    @Test func examples() {
        #expect(Self.shown("Gen", 1, 1) == "En el principio crio Dios los cielos y la tierra.")
        #expect(Self.shown("Gen", 1, 3) == "Y dijo Dios: Sea la luz: y fue la luz.")
        #expect(Self.shown("Gen", 1, 5).hasPrefix("Y llamó Dios a la luz Día, y a las tinieblas llamó Noche"))
        #expect(Self.shown("Ps", 51, 1).hasPrefix("Ten piedad de mí, oh Dios"))
        #expect(Self.shown("Ps", 3, 1).hasPrefix("¡Oh Jehová, cuánto"))
        #expect(Self.shown("Ps", 23, 1) == "Jehová es mi pastor; nada me faltará.")
        #expect(Self.shown("Ps", 147, 1).hasPrefix("Alabad a JAH"))
        #expect(Self.shown("Ps", 111, 1).hasPrefix("Aleluya. Alabaré a Jehová"))
        #expect(Self.shown("Ps", 119, 1).hasPrefix("Bienaventurados los perfectos"))
        #expect(Self.shown("2Chr", 29, 1).hasPrefix("Y Ezechîas comenzó a reinar"))
        #expect(Self.shown("Gen", 1, 2).contains("desordenada"))
        #expect(Self.shown("1Cor", 12, 1).hasPrefix("Y acerca de los dones espirituales"))
        #expect(Self.shown.contains { $0.text.contains("vino a él") })
        #expect(!Self.shown.contains { $0.text.contains("vino á él") })
        #expect(ModernSpanishSpelling.apply("Á él, É ELLOS, dos ó tres; hé aquí, fuése y levantóse; dióselo; Judíos") ==
                "A él, E ELLOS, dos o tres; he aquí, fuese y levantose; dióselo; Judíos")
    }

    @Test func getPassageShowsModernSpelling() async throws {
        let (service, pool) = try await makeService()
        let passage = try await service.getPassage(.with { $0.reference = "Juan 3:16"; $0.translation = "rv1909" }, context: context)
        #expect(passage.text.hasPrefix("Porque de tal manera amó Dios al mundo, que ha dado a su Hijo unigénito"))
        #expect(!Self.words(passage.text).contains("á"))
        // the stored text keeps RV1909's spelling
        let stored = try await pool.read { db in
            try TranslationStore.texts(db, translation: "kjv", first: 1, last: 1)
        }
        #expect(stored.count == 1)
        let raw = try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT text FROM verse_texts WHERE translation_id = 'rv1909' AND text LIKE 'Porque de tal manera amó Dios al mundo%'")
        }
        #expect(raw?.contains("dado á su Hijo") == true)
    }
}
