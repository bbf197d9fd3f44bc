import Foundation
import LumaRPC
import Testing
import VersesAPI
@testable import VerseRegistry

@Suite("Verse text, translations and categories (no socket)")
struct TextAndCategoryTests {
    let context = testContext()

    /// data/translations, found from this file's path (the repository's own data, not ../shared).
    static func translationLines(_ file: String) throws -> [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("data/translations/\(file)"), encoding: .utf8)
        return text.split(separator: "\n").map(String.init)
    }

    @Test func kjvIsServedOutOfTheBox() async throws {
        let (service, _) = try await makeService()
        let passage = try await service.getPassage(.with { $0.reference = "John 3:16" }, context: context)
        #expect(passage.translation == "kjv")
        #expect(passage.text.hasPrefix("For God so loved the world"))
        let translations = try await service.listTranslations(.init(), context: context)
        #expect(translations.translations.map(\.id) == ["kjv", "rv1909"])
        #expect(translations.translations[0].verseCount == 31102)
    }

    @Test func webImportsInBatchesAndReportsItsMissingVersesWithoutShiftingText() async throws {
        let (service, _) = try await makeService()
        let lines = try Self.translationLines("web.tsv")
        var imported = 0
        let starts = Array(stride(from: 0, to: lines.count, by: 5000))
        for (index, start) in starts.enumerated() {
            let response = try await service.importTranslation(.with {
                $0.id = "web"
                $0.name = "World English Bible"
                $0.language = "en"
                $0.lines = Array(lines[start..<min(start + 5000, lines.count)])
                $0.firstLine = UInt32(start + 1)
                $0.more = index < starts.count - 1
            }, context: context)
            imported += Int(response.imported)
            if index < starts.count - 1 {
                // Staged, not served: nothing of the file is visible before its last batch.
                let visible = try await service.listTranslations(.init(), context: context)
                #expect(!visible.translations.map(\.id).contains("web"))
            }
        }
        #expect(imported == 31095)
        let translations = try await service.listTranslations(.init(), context: context)
        let web = try #require(translations.translations.first { $0.id == "web" })
        #expect(web.verseCount == 31095 && web.missingCount == 7)

        let passage = try await service.getPassage(.with { $0.reference = "Luke 17:35-37"; $0.translation = "web" }, context: context)
        #expect(passage.verses.map(\.missing) == [false, true, false])
        #expect(passage.missingCount == 1)
        #expect(passage.verses[2].text.hasPrefix("They, answering"))
    }

    @Test func rv1909IsServedOutOfTheBoxAsSpanish() async throws {
        let (service, _) = try await makeService()
        let translations = try await service.listTranslations(.init(), context: context)
        let rv1909 = try #require(translations.translations.first { $0.id == "rv1909" })
        #expect(rv1909.language == "es")
        #expect(rv1909.verseCount == 31_084)
        let passage = try await service.getPassage(.with { $0.reference = "Gen 1:1"; $0.translation = "rv1909" }, context: context)
        #expect(passage.text.hasPrefix("En el principio"))
        let missing = try await service.getPassage(.with { $0.reference = "Num 12:16"; $0.translation = "rv1909" }, context: context)
        #expect(missing.verses.first?.missing == true)
    }

    @Test func badImportLinesAreRefusedNamingTheLine() async throws {
        let (service, _) = try await makeService()
        let error = await #expect(throws: RPCError.self) {
            try await service.importTranslation(.with {
                $0.id = "bad"; $0.name = "Bad"; $0.language = "en"
                $0.lines = ["1\tGen\t1\t1\tIn the beginning", "43\tJohn\t22\t1\tno such chapter"]
            }, context: context)
        }
        #expect(error?.message == "line 2: John has no chapter '22'")
        let translations = try await service.listTranslations(.init(), context: context)
        #expect(!translations.translations.map(\.id).contains("bad"))
    }

    /// A bad line in a later batch: the error names the file's line, and the translation is
    /// left as it was (here: absent), with nothing staged left behind.
    @Test func aFailedImportLeavesNothingAndNamesTheFilesLine() async throws {
        let (service, pool) = try await makeService()
        let lines = try Self.translationLines("web.tsv")
        var broken = Array(lines.prefix(6000))
        broken[4999] = "43\tJohn\t22\t1\tno such chapter"
        var failure: RPCError?
        for (index, start) in [0, 2000, 4000].enumerated() {
            do {
                _ = try await service.importTranslation(.with {
                    $0.id = "web"; $0.name = "WEB"; $0.language = "en"
                    $0.lines = Array(broken[start..<start + 2000]); $0.firstLine = UInt32(start + 1); $0.more = index < 2
                }, context: context)
            } catch let error as RPCError {
                failure = error
                break
            }
        }
        #expect(failure?.message == "line 5000: John has no chapter '22'")
        #expect(!(try await service.listTranslations(.init(), context: context)).translations.map(\.id).contains("web"))
        #expect(try await pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM translation_staging") } == 0)
    }

    /// An import cut short (its client gone after two batches) leaves staged rows; the next
    /// import of the same id starts afresh and serves only its own file.
    @Test func anImportCutShortDoesNotLeakIntoTheNextOne() async throws {
        let (service, _) = try await makeService()
        _ = try await service.importTranslation(.with {
            $0.id = "mix"; $0.name = "Mix"; $0.language = "en"; $0.more = true; $0.firstLine = 1
            $0.lines = ["1\tGen\t1\t1\tstale one", "1\tGen\t1\t2\tstale two"]
        }, context: context)
        _ = try await service.importTranslation(.with {
            $0.id = "mix"; $0.name = "Mix"; $0.language = "en"; $0.firstLine = 1
            $0.lines = ["1\tGen\t1\t1\tfresh one"]
        }, context: context)
        let mix = try #require(try await service.listTranslations(.init(), context: context).translations.first { $0.id == "mix" })
        #expect(mix.verseCount == 1)
    }

    @Test func aTranslationCanBeDeletedButNotKJV() async throws {
        let (service, _) = try await makeService()
        _ = try await service.importTranslation(.with {
            $0.id = "tiny"; $0.name = "Tiny"; $0.language = "en"; $0.lines = ["1\tGen\t1\t1\tIn the beginning"]
        }, context: context)
        #expect(try await service.deleteTranslation(.with { $0.id = "tiny" }, context: context).deleted)
        #expect(try await service.deleteTranslation(.with { $0.id = "tiny" }, context: context).deleted == false)
        let kjv = await #expect(throws: RPCError.self) { try await service.deleteTranslation(.with { $0.id = "kjv" }, context: context) }
        #expect(kjv?.code == .failedPrecondition)
        let passage = await #expect(throws: RPCError.self) {
            try await service.getPassage(.with { $0.reference = "Gen 1:1"; $0.translation = "tiny" }, context: context)
        }
        #expect(passage?.code == .notFound)
    }

    @Test func unknownTranslationIsNotFound() async throws {
        let (service, _) = try await makeService()
        let error = await #expect(throws: RPCError.self) {
            try await service.getPassage(.with { $0.reference = "John 3:16"; $0.translation = "niv" }, context: context)
        }
        #expect(error?.code == .notFound)
        #expect(error?.field == "translation")
    }

    @Test func defaultCategoriesListWithUnusedCounts() async throws {
        let (service, _) = try await makeService()
        let before = try await service.listCategories(.init(), context: context)
        let names = before.categories.map(\.name)
        for expected in ["hope", "peace", "forgiveness", "faith", "love", "joy", "strength", "anxiety", "gratitude"] {
            #expect(names.contains(expected))
        }
        let hope = try #require(before.categories.first { $0.name == "hope" })
        #expect(hope.verseCount >= 84 && hope.unusedCount == hope.verseCount)
        _ = try await service.claimNextUnused(.with { $0.dailyContentID = 1; $0.category = "hope"; $0.usedDate = "2026-12-01" }, context: context)
        let after = try await service.listCategories(.init(), context: context)
        #expect(after.categories.first { $0.name == "hope" }?.unusedCount == hope.verseCount - 1)
    }

    @Test func categoriesAreEditableAndValidated() async throws {
        let (service, _) = try await makeService()
        let created = try await service.upsertCategory(.with { $0.category = .with {
            $0.name = "rest"; $0.description_p = "Rest for the weary"; $0.naveTopics = ["REST"]; $0.references = ["Matt 11:28-30"]
        } }, context: context)
        #expect(created.verseCount > 3)
        let unknownTopic = await #expect(throws: RPCError.self) {
            try await service.upsertCategory(.with { $0.category = .with { $0.name = "x"; $0.naveTopics = ["NOT A TOPIC"] } }, context: context)
        }
        #expect(unknownTopic?.field == "category.nave_topics")
        let badReference = await #expect(throws: RPCError.self) {
            try await service.upsertCategory(.with { $0.category = .with { $0.name = "x"; $0.references = ["John 22:1"] } }, context: context)
        }
        #expect(badReference?.message == "reference 'John 22:1': John has 21 chapters, not 22")
        let deleted = try await service.deleteCategory(.with { $0.name = "rest" }, context: context)
        #expect(deleted.deleted)
        let topics = try await service.searchTopics(.with { $0.query = "hope" }, context: context)
        #expect(topics.topics.map(\.name).contains("HOPE"))
    }
}
