import Foundation
import GRDB

/// verse-registry's numbered migrations. Data ships as migrations too, so a fresh database
/// serves KJV text, Nave's topics and the default categories with no extra step, and
/// `verse-registry migrations status` shows each.
///
/// The schema migrations keep their own SQL, as GRDB advises. The data migrations (002-004,
/// 007-009, 011-012) call the importers and the ranker on purpose: what they load is the
/// bundled text and the categories' ranked picks, which only that code computes, and freezing a
/// copy of the ranker per migration would leave two rankers to keep right. The rule that keeps
/// them honest instead: a change to the ranking or the bundled lists ships as a new migration
/// that re-ranks (009, 012), never as an edit to an applied one, and `ContentYearTests` and the
/// content-quality run check what a fresh database produces.
public enum VerseRegistryMigrations {
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("001_schema") { db in
            try db.execute(sql: schema)
        }
        migrator.registerMigration("002_kjv_text") { db in
            let text = try BundledData.text(named: "kjv")
            let rows = try TranslationTSV.parse(text, canon: .kjv)
            try TranslationStore.upsertTranslation(db, id: "kjv", name: "King James Version", language: "en")
            try TranslationStore.insert(db, translation: "kjv", rows: rows)
        }
        migrator.registerMigration("003_naves_topical_bible") { db in
            let text = try BundledData.text(named: "nave_refs")
            try NaveImporter.importTopics(db, tsv: text, canon: .kjv)
        }
        migrator.registerMigration("004_default_categories") { db in
            // The categories as first shipped; 007 brings them up to date, on fresh and old
            // databases alike (the church year's come with 012).
            for category in DefaultCategories.all where DefaultCategories.shippedBeforeCuration[category.name] != nil {
                let shipped = DefaultCategories.Definition(
                    name: category.name, description: category.description, topics: category.topics,
                    references: DefaultCategories.shippedBeforeCuration[category.name] ?? [])
                try CategoryStore.writeSources(db, shipped, canon: .kjv)
            }
        }
        // The CASCADE from a deleted daily content item leaves a tombstone here, in the same
        // transaction that releases its verses; a claim checks it in its own transaction, so a
        // claim that checked the item before the delete cannot write after the release.
        migrator.registerMigration("005_released_content") { db in
            try db.execute(sql: """
                CREATE TABLE released_content (
                    daily_content_id INTEGER PRIMARY KEY,
                    released_at TEXT NOT NULL
                );
                """)
        }
        // A translation file imported in several batches is staged here until its last batch,
        // so a failed import leaves nothing half-served.
        migrator.registerMigration("006_translation_staging") { db in
            try db.execute(sql: """
                CREATE TABLE translation_staging (
                    translation_id TEXT NOT NULL,
                    ordinal INTEGER NOT NULL,
                    text TEXT NOT NULL,
                    PRIMARY KEY (translation_id, ordinal)
                ) WITHOUT ROWID;
                """)
        }
        // Ranked picks (curated lists, scored verses, editors' pins and exclusions) and fallback
        // neighbours. A default category whose references an editor never changed gets the
        // curated list; every category gets its picks.
        migrator.registerMigration("007_ranked_picks") { db in
            try db.execute(sql: PickStore.schema)
            let context = try RankingContext.load(db, canon: .kjv)
            for category in try CategoryStore.all(db) {
                if let current = DefaultCategories.all.first(where: { $0.name == category.name }),
                   category.references == DefaultCategories.shippedBeforeCuration[category.name],
                   category.topics == current.topics.map({ $0.uppercased() }) {
                    try CategoryStore.upsert(db, current, canon: .kjv, context: context)
                } else {
                    try PickStore.rebuild(db, categoryID: category.id, canon: .kjv, context: context)
                }
            }
        }
        // Spanish ships built in, so a fresh stack plans and generates Spanish bible items.
        migrator.registerMigration("008_rv1909_text") { db in
            let rows = try TranslationTSV.parse(try BundledData.text(named: "sparv"), canon: .kjv)
            try TranslationStore.upsertTranslation(db, id: "rv1909", name: "Reina-Valera 1909", language: "es")
            try TranslationStore.replace(db, translation: "rv1909", rows: rows)
        }
        // Stricter ranking rules (issue 24: leading punctuation, "therefore" as a later word,
        // salutations, the deny list) and curated lists with each passage once. A default
        // category whose references are still the shipped curated list gets the new list;
        // every category is re-ranked, keeping editors' own references, pins and exclusions.
        migrator.registerMigration("009_stricter_picks") { db in
            let context = try RankingContext.load(db, canon: .kjv)
            for category in try CategoryStore.all(db) {
                if let current = DefaultCategories.all.first(where: { $0.name == category.name }),
                   category.references == DefaultCategories.curatedBeforeDeduplication(category.name) {
                    try CategoryStore.upsert(db, .init(name: category.name, description: category.description, topics: category.topics,
                                                       references: current.references, fallbacks: category.fallbacks),
                                             canon: .kjv, context: context)
                } else {
                    try PickStore.rebuild(db, categoryID: category.id, canon: .kjv, context: context)
                }
            }
        }
        // Issue 24: a verse is used once per language channel, so English and Spanish each have
        // the whole Bible. The ledger gets the item's language and UNIQUE (language, book,
        // chapter, verse); the table is rebuilt keeping every row and id. Rows written before
        // record no language (nor translation), so they are taken as English, the only channel
        // they could be sure of; the released_content tombstones are untouched.
        migrator.registerMigration("010_ledger_per_language") { db in
            try db.execute(sql: ledgerPerLanguage)
        }
        // Issue 24: the corrected RV1909 text (scripts/fix-rv1909.py: psalm titles stripped,
        // glued words split, chapter openings in normal case) replaces the text 008 loaded.
        // The words keep their RV1909 spelling; ModernSpanishSpelling applies when shown.
        migrator.registerMigration("011_rv1909_corrections") { db in
            guard try TranslationStore.exists(db, "rv1909") else { return }
            let rows = try TranslationTSV.parse(try BundledData.text(named: "sparv"), canon: .kjv)
            try TranslationStore.replace(db, translation: "rv1909", rows: rows)
        }
        // Issue 24: curated lists long enough for a year per language (400+ passages) and the
        // church year's categories (Advent ... Pentecost), which content-pipeline puts on their
        // dates. A default category whose references are still the list 009 shipped gets the
        // new list; every other category is re-ranked keeping editors' references, pins and
        // exclusions; a seasonal category an editor already made keeps its definition.
        migrator.registerMigration("012_church_year_passages") { db in
            let context = try RankingContext.load(db, canon: .kjv)
            let existing = try CategoryStore.all(db)
            for category in existing {
                if let current = DefaultCategories.all.first(where: { $0.name == category.name }),
                   category.references == ShippedCuratedLists.v009[category.name] {
                    try CategoryStore.upsert(db, .init(name: category.name, description: category.description, topics: category.topics,
                                                       references: current.references, fallbacks: category.fallbacks),
                                             canon: .kjv, context: context)
                } else {
                    try PickStore.rebuild(db, categoryID: category.id, canon: .kjv, context: context)
                }
            }
            let names = Set(existing.map(\.name))
            for season in DefaultCategories.seasonal where !names.contains(season.name) {
                guard let definition = DefaultCategories.all.first(where: { $0.name == season.name }) else { continue }
                try CategoryStore.upsert(db, definition, canon: .kjv, context: context)
            }
        }
        return migrator
    }

    static let ledgerPerLanguage = """
        CREATE TABLE used_bible_verses_new (
            id INTEGER PRIMARY KEY,
            language TEXT NOT NULL,
            book TEXT NOT NULL,
            chapter INTEGER NOT NULL,
            verse INTEGER NOT NULL,
            ordinal INTEGER NOT NULL,
            daily_content_id INTEGER NOT NULL,
            used_date TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (language, book, chapter, verse)
        );
        INSERT INTO used_bible_verses_new (id, language, book, chapter, verse, ordinal, daily_content_id, used_date, created_at)
            SELECT id, 'en', book, chapter, verse, ordinal, daily_content_id, used_date, created_at FROM used_bible_verses;
        DROP TABLE used_bible_verses;
        ALTER TABLE used_bible_verses_new RENAME TO used_bible_verses;
        CREATE UNIQUE INDEX used_bible_verses_ordinal ON used_bible_verses(language, ordinal);
        CREATE INDEX used_bible_verses_used_date ON used_bible_verses(used_date);
        CREATE INDEX used_bible_verses_content ON used_bible_verses(daily_content_id);
        -- Append-only: rows are inserted, and deleted only when their content is deleted.
        CREATE TRIGGER used_bible_verses_append_only BEFORE UPDATE ON used_bible_verses
        BEGIN
            SELECT RAISE(ABORT, 'used_bible_verses is append-only');
        END;
        """

    static let schema = """
        CREATE TABLE translations (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            language TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        -- Verse text keyed by KJV ordinal (1 = Genesis 1:1). A verse a translation lacks has no row.
        CREATE TABLE verse_texts (
            translation_id TEXT NOT NULL REFERENCES translations(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            text TEXT NOT NULL,
            PRIMARY KEY (translation_id, ordinal)
        ) WITHOUT ROWID;

        CREATE TABLE nave_topics (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE
        );
        CREATE TABLE nave_references (
            id INTEGER PRIMARY KEY,
            topic_id INTEGER NOT NULL REFERENCES nave_topics(id) ON DELETE CASCADE,
            subtopic TEXT NOT NULL,
            first_ordinal INTEGER NOT NULL,
            last_ordinal INTEGER NOT NULL
        );
        CREATE INDEX nave_references_topic ON nave_references(topic_id);

        -- What each bundled import took in and what it skipped (e.g. Nave's invalid references).
        CREATE TABLE data_imports (
            name TEXT PRIMARY KEY,
            imported INTEGER NOT NULL,
            skipped INTEGER NOT NULL,
            details TEXT NOT NULL,
            imported_at TEXT NOT NULL
        );

        CREATE TABLE categories (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            description TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        -- A category is defined by Nave topics and explicit references, in order...
        CREATE TABLE category_sources (
            category_id INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('topic', 'reference')),
            value TEXT NOT NULL,
            PRIMARY KEY (category_id, position)
        ) WITHOUT ROWID;
        -- ...and materialised as verse ordinals, which ClaimNextUnused picks from.
        CREATE TABLE category_verses (
            category_id INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            PRIMARY KEY (category_id, ordinal)
        ) WITHOUT ROWID;

        -- The ledger (the seed's used_bible_verses): one row per verse ever used (per language
        -- since 010_ledger_per_language, which rebuilds this table).
        -- daily_content_id points into content-pipeline's database; the service checks it
        -- through RPC because no single database can.
        CREATE TABLE used_bible_verses (
            id INTEGER PRIMARY KEY,
            book TEXT NOT NULL,
            chapter INTEGER NOT NULL,
            verse INTEGER NOT NULL,
            ordinal INTEGER NOT NULL,
            daily_content_id INTEGER NOT NULL,
            used_date TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (book, chapter, verse)
        );
        CREATE UNIQUE INDEX used_bible_verses_ordinal ON used_bible_verses(ordinal);
        CREATE INDEX used_bible_verses_used_date ON used_bible_verses(used_date);
        CREATE INDEX used_bible_verses_content ON used_bible_verses(daily_content_id);
        -- Append-only: rows are inserted, and deleted only when their content is deleted.
        CREATE TRIGGER used_bible_verses_append_only BEFORE UPDATE ON used_bible_verses
        BEGIN
            SELECT RAISE(ABORT, 'used_bible_verses is append-only');
        END;
        """
}

/// Files in the resource bundle.
enum BundledData {
    static func text(named name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: "tsv", subdirectory: "bible") else {
            throw CanonError.malformed("\(name).tsv is missing from the resource bundle")
        }
        return try String(contentsOf: url, encoding: .utf8)
    }
}
