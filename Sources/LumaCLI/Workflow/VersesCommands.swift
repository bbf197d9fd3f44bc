import ArgumentParser
import Foundation
import LumaRPC
import VersesAPI

struct VersesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verses", abstract: "Bible references, passages, categories and the used-verse ledger.",
        subcommands: [Validate.self, Show.self, Topics.self, Translations.self, Categories.self, Picks.self, Pin.self, Exclude.self,
                      Reset.self, Used.self, Import.self, RemoveTranslation.self])

    struct RemoveTranslation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove-translation", abstract: "Delete an imported translation and its text.")
        @OptionGroup var endpoints: EndpointOptions
        @Argument(help: "Translation id, e.g. web.") var id: String

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Verses_V1_VerseRegistryClient(try endpoints.versesClient())
                let result = try await client.deleteTranslation(.with { $0.id = id })
                if endpoints.json { return try Output.json(result) }
                print(result.deleted ? "deleted translation \(id)" : "translation \(id) did not exist")
            }
        }
    }

    struct Topics: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Nave's Topical Bible topics whose name contains a word.")
        @OptionGroup var endpoints: EndpointOptions
        @Argument(help: "Part of a topic name, e.g. 'assurance' or 'afflictions'.") var query: String
        @Option(help: "At most this many topics (1-200).") var limit: UInt32 = 20

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Verses_V1_VerseRegistryClient(try endpoints.versesClient())
                let result = try await client.searchTopics(.with { $0.query = query; $0.limit = limit })
                if endpoints.json { return try Output.json(result) }
                Output.table(["TOPIC", "REFERENCES", "VERSES"], result.topics.map { ["\($0.name)", "\($0.referenceCount)", "\($0.verseCount)"] })
            }
        }
    }

    struct Translations: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The translations verse-registry holds, with their coverage.")
        @OptionGroup var endpoints: EndpointOptions

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Verses_V1_VerseRegistryClient(try endpoints.versesClient())
                let result = try await client.listTranslations(.init())
                if endpoints.json { return try Output.json(result) }
                Output.table(["ID", "NAME", "LANGUAGE", "VERSES", "MISSING"],
                             result.translations.map { [$0.id, $0.name, $0.language, "\($0.verseCount)", "\($0.missingCount)"] })
            }
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a reference and print it canonically.")
        @OptionGroup var endpoints: EndpointOptions
        @Argument(help: "A reference such as 'Jn 3:16' or '1 Cor 13:4-7'.") var reference: String

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Verses_V1_VerseRegistryClient(try endpoints.versesClient())
                let result = try await client.validateReference(.with { $0.reference = reference })
                if endpoints.json { return try Output.json(result) }
                print("\(result.canonical)  (\(result.osis), \(result.verseCount) verse\(result.verseCount == 1 ? "" : "s"))")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a passage.")
        @OptionGroup var endpoints: EndpointOptions
        @Argument(help: "A reference.") var reference: String
        @Option(help: "Translation id (kjv, web, rv1909, ...).") var translation = "kjv"

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Verses_V1_VerseRegistryClient(try endpoints.versesClient())
                let passage = try await client.getPassage(.with { $0.reference = reference; $0.translation = translation })
                if endpoints.json { return try Output.json(passage) }
                print("\(passage.displayReference.isEmpty ? passage.reference : passage.displayReference) (\(passage.translation.uppercased()))")
                for verse in passage.verses {
                    print("  \(verse.chapter):\(verse.verse)  \(verse.missing ? "[no text in this translation]" : verse.text)")
                }
            }
        }
    }

    struct Categories: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Devotional categories and how many verses remain unused.")
        @OptionGroup var endpoints: EndpointOptions

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Verses_V1_VerseRegistryClient(try endpoints.versesClient())
                let categories = try await client.listCategories(.init())
                if endpoints.json { return try Output.json(categories) }
                Output.table(["CATEGORY", "UNUSED PICKS", "PICKS", "FALLBACKS", "TOPICS"], categories.categories.map {
                    [$0.name, "\($0.unusedPickCount)", "\($0.pickCount)", $0.fallbacks.isEmpty ? "-" : $0.fallbacks.joined(separator: ","),
                     $0.naveTopics.joined(separator: ", ")]
                })
            }
        }
    }

    struct Picks: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A category's ranked picks, in the order generation takes them: pinned, curated, then scored.")
        @OptionGroup var endpoints: EndpointOptions
        @Argument(help: "Category, e.g. hope.") var category: String
        @Flag(help: "Only picks no item has used.") var unused = false
        @Option(help: "At most this many picks (1-1000).") var limit: UInt32 = 20

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Verses_V1_VerseRegistryClient(try endpoints.versesClient())
                let result = try await client.listCategoryPicks(.with { $0.category = category; $0.unusedOnly = unused; $0.pageSize = limit })
                if endpoints.json { return try Output.json(result) }
                VersesCommand.showPicks(result.picks)
            }
        }
    }

    static func showPicks(_ picks: [Luma_Verses_V1_CategoryPick]) {
        Output.table(["RANK", "REFERENCE", "SOURCE", "SCORE", "USED BY", "TEXT"], picks.map {
            let source = switch $0.source {
            case .pinned: "pinned"
            case .curated: "curated"
            case .scored: "scored"
            default: "?"
            }
            let text = $0.text.count > 60 ? String($0.text.prefix(57)) + "..." : $0.text
            return ["\($0.rank)", $0.reference, source, $0.source == .scored ? String(format: "%.1f", $0.score) : "-",
                    $0.usedBy == 0 ? "-" : "\($0.usedBy)", text]
        })
    }

    static func showChange(_ change: Luma_Verses_V1_CategoryPicksChanged, _ what: String) {
        print("\(what); next picks of \(change.category.name):")
        showPicks(change.firstPicks)
    }

    struct Pin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pin a passage in a category so generation takes it first (or at --position among the pins).")
        @OptionGroup var endpoints: EndpointOptions
        @Argument(help: "Category.") var category: String
        @Argument(help: "A reference, e.g. 'Ps 23:1'.") var reference: String
        @Option(help: "Position among the pins, 1 = first (default: after the existing pins).") var position: UInt32 = 0

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Verses_V1_VerseRegistryClient(try endpoints.versesClient())
                let change = try await client.pinVerse(.with { $0.category = category; $0.reference = reference; $0.position = position })
                if endpoints.json { return try Output.json(change) }
                VersesCommand.showChange(change, "pinned \(reference) in \(category)")
            }
        }
    }

    struct Exclude: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Keep a passage (and picks overlapping it) out of a category.")
        @OptionGroup var endpoints: EndpointOptions
        @Argument(help: "Category.") var category: String
        @Argument(help: "A reference.") var reference: String

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Verses_V1_VerseRegistryClient(try endpoints.versesClient())
                let change = try await client.excludeVerse(.with { $0.category = category; $0.reference = reference })
                if endpoints.json { return try Output.json(change) }
                VersesCommand.showChange(change, "excluded \(reference) from \(category)")
            }
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Undo a pin or exclusion of exactly this passage.")
        @OptionGroup var endpoints: EndpointOptions
        @Argument(help: "Category.") var category: String
        @Argument(help: "The reference as pinned or excluded.") var reference: String

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Verses_V1_VerseRegistryClient(try endpoints.versesClient())
                let change = try await client.clearVerseOverride(.with { $0.category = category; $0.reference = reference })
                if endpoints.json { return try Output.json(change) }
                VersesCommand.showChange(change, "reset \(reference) in \(category)")
            }
        }
    }

    struct Used: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The ledger of used verses, by date, with each row's language channel.")
        @OptionGroup var endpoints: EndpointOptions
        @Option(help: "From date, YYYY-MM-DD.") var from = ""
        @Option(help: "To date, YYYY-MM-DD.") var to = ""

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Verses_V1_VerseRegistryClient(try endpoints.versesClient())
                let rows = try await allPages { token in
                    let page = try await client.listUsed(.with { $0.fromDate = from; $0.toDate = to; $0.pageSize = 1000; $0.pageToken = token })
                    return (page.verses, page.nextPageToken)
                }
                if endpoints.json { return try Output.json(Luma_Verses_V1_ListUsedResponse.with { $0.verses = rows }) }
                // A verse is used once per language channel: the language is part of each row.
                Output.table(["DATE", "LANG", "VERSE", "CONTENT"], rows.map {
                    ["\($0.usedDate)", $0.language, "\($0.book) \($0.chapter):\($0.verse)", "\($0.dailyContentID)"]
                })
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a translation from TSV (book_no, osis, chapter, verse, text), in batches with progress; all or nothing.",
            discussion: "The file becomes the translation's whole text; a bad line stops the import, names the file's line, and leaves the translation as it was.")
        @OptionGroup var endpoints: EndpointOptions
        @Option(help: "Translation id, e.g. web.") var id: String
        @Option(help: "Translation name.") var name: String
        @Option(help: "ISO 639 language code, e.g. en.") var language: String
        @Argument(help: "TSV file.") var file: String

        func run() async throws {
            try await reportingErrors {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw RPCError.invalidArgument("cannot read '\(file)'")
                }
                // Empty lines stay in, so that line numbers are the file's.
                let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                let client = Luma_Verses_V1_VerseRegistryClient(try endpoints.versesClient())
                var last = Luma_Verses_V1_ImportTranslationResponse()
                // All or nothing: every batch but the last is staged; the last makes the file the
                // translation's text; a bad line anywhere discards the staged batches.
                let starts = Array(stride(from: 0, to: max(lines.count, 1), by: 2000))
                for (index, start) in starts.enumerated() {
                    Output.progress("importing \(id): \(start)/\(lines.count) lines")
                    last = try await client.importTranslation(.with {
                        $0.id = id; $0.name = name; $0.language = language
                        $0.lines = Array(lines[start..<min(start + 2000, lines.count)])
                        $0.firstLine = UInt32(start + 1)
                        $0.more = index < starts.count - 1
                    }, options: .init(timeout: .seconds(120)))
                }
                Output.progressDone()
                if endpoints.json { return try Output.json(last.translation) }
                print("imported \(last.translation.id): \(last.translation.verseCount) verses, \(last.translation.missingCount) KJV verses without text")
            }
        }
    }
}
