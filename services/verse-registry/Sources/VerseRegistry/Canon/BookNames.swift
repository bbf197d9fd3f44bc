/// The 66 books of the Protestant canon in order: OSIS id, the name we print, and the
/// abbreviations people write. Numbered books also accept "1", "I", "First" and "1st" prefixes
/// (see `BookLookup.normalize`), so only the bare forms are listed.
let bookTable: [(osis: String, name: String, aliases: [String])] = [
    ("Gen", "Genesis", ["gen", "ge", "gn"]),
    ("Exod", "Exodus", ["exod", "exo", "ex"]),
    ("Lev", "Leviticus", ["lev", "le", "lv"]),
    ("Num", "Numbers", ["num", "nu", "nm", "nb"]),
    ("Deut", "Deuteronomy", ["deut", "de", "dt"]),
    ("Josh", "Joshua", ["josh", "jos", "jsh"]),
    ("Judg", "Judges", ["judg", "jdg", "jg", "jdgs"]),
    ("Ruth", "Ruth", ["rth", "ru"]),
    ("1Sam", "1 Samuel", ["1sam", "1sa", "1sm", "1s"]),
    ("2Sam", "2 Samuel", ["2sam", "2sa", "2sm", "2s"]),
    ("1Kgs", "1 Kings", ["1kgs", "1ki", "1kin", "1k"]),
    ("2Kgs", "2 Kings", ["2kgs", "2ki", "2kin", "2k"]),
    ("1Chr", "1 Chronicles", ["1chr", "1ch", "1chron"]),
    ("2Chr", "2 Chronicles", ["2chr", "2ch", "2chron"]),
    ("Ezra", "Ezra", ["ezr"]),
    ("Neh", "Nehemiah", ["neh", "ne"]),
    ("Esth", "Esther", ["esth", "est", "es"]),
    ("Job", "Job", ["jb"]),
    ("Ps", "Psalms", ["ps", "psa", "psalm", "pss", "psm", "pslm"]),
    ("Prov", "Proverbs", ["prov", "pro", "prv", "pr"]),
    ("Eccl", "Ecclesiastes", ["eccl", "ecc", "ec", "qoh", "eccles"]),
    ("Song", "Song of Solomon", ["song", "sos", "so", "songofsongs", "canticles", "sng", "songofsol"]),
    ("Isa", "Isaiah", ["isa", "is"]),
    ("Jer", "Jeremiah", ["jer", "je", "jr"]),
    ("Lam", "Lamentations", ["lam", "la"]),
    ("Ezek", "Ezekiel", ["ezek", "eze", "ezk"]),
    ("Dan", "Daniel", ["dan", "da", "dn"]),
    ("Hos", "Hosea", ["hos", "ho"]),
    ("Joel", "Joel", ["jl"]),
    ("Amos", "Amos", ["am"]),
    ("Obad", "Obadiah", ["obad", "ob"]),
    ("Jonah", "Jonah", ["jnh", "jon"]),
    ("Mic", "Micah", ["mic", "mc"]),
    ("Nah", "Nahum", ["nah", "na"]),
    ("Hab", "Habakkuk", ["hab", "hb"]),
    ("Zeph", "Zephaniah", ["zeph", "zep", "zp"]),
    ("Hag", "Haggai", ["hag", "hg"]),
    ("Zech", "Zechariah", ["zech", "zec", "zc"]),
    ("Mal", "Malachi", ["mal", "ml"]),
    ("Matt", "Matthew", ["matt", "mt", "mat"]),
    ("Mark", "Mark", ["mk", "mrk", "mar"]),
    ("Luke", "Luke", ["lk", "luk"]),
    ("John", "John", ["jn", "jhn", "joh"]),
    ("Acts", "Acts", ["ac", "act"]),
    ("Rom", "Romans", ["rom", "ro", "rm"]),
    ("1Cor", "1 Corinthians", ["1cor", "1co"]),
    ("2Cor", "2 Corinthians", ["2cor", "2co"]),
    ("Gal", "Galatians", ["gal", "ga"]),
    ("Eph", "Ephesians", ["eph", "ephes"]),
    ("Phil", "Philippians", ["phil", "php", "pp"]),
    ("Col", "Colossians", ["col"]),
    ("1Thess", "1 Thessalonians", ["1thess", "1th", "1thes"]),
    ("2Thess", "2 Thessalonians", ["2thess", "2th", "2thes"]),
    ("1Tim", "1 Timothy", ["1tim", "1ti"]),
    ("2Tim", "2 Timothy", ["2tim", "2ti"]),
    ("Titus", "Titus", ["tit", "ti"]),
    ("Phlm", "Philemon", ["phlm", "philem", "phm"]),
    ("Heb", "Hebrews", ["heb"]),
    ("Jas", "James", ["jas", "jm"]),
    ("1Pet", "1 Peter", ["1pet", "1pe", "1pt", "1p"]),
    ("2Pet", "2 Peter", ["2pet", "2pe", "2pt", "2p"]),
    ("1John", "1 John", ["1jn", "1jhn", "1jo", "1joh"]),
    ("2John", "2 John", ["2jn", "2jhn", "2jo", "2joh"]),
    ("3John", "3 John", ["3jn", "3jhn", "3jo", "3joh"]),
    ("Jude", "Jude", ["jud", "jde"]),
    ("Rev", "Revelation", ["rev", "re", "rv", "revelations", "therevelation", "revelationofjohn"]),
]

/// Finds a book by any of the ways people write it, in English and in every language whose
/// book names ship as data (`LocalizedBookNames`).
struct BookLookup: Sendable {
    private let byKey: [String: Int]
    /// Every name exactly as the tables write it ("John", "1 Cor", "Juan"): found without
    /// normalising, which costs a Foundation folding and several string copies per call.
    private let byExactName: [String: Int]

    /// English names first; a localized name that would mean another book than it does in
    /// English is a data error (`LocalizedBookNames.conflicts`), and English keeps the key.
    init(localized: [LocalizedBookNames] = []) {
        var keys: [String: Int] = [:]
        var exact: [String: Int] = [:]
        for language in localized {
            for (index, names) in language.names.enumerated() {
                for key in names { keys[Self.normalize(key)] = index; exact[key] = index }
            }
        }
        for (index, book) in bookTable.enumerated() {
            for key in [book.osis, book.name] + book.aliases {
                keys[Self.normalize(key)] = index
                exact[key] = index
            }
        }
        byKey = keys
        // An exact name means what its normalised key means (English wins a conflict there too).
        byExactName = exact.filter { keys[Self.normalize($0.key)] == $0.value }
    }

    /// Index into `bookTable`, or nil.
    func index(of name: String) -> Int? {
        byExactName[name] ?? byKey[Self.normalize(name)]
    }

    /// Lower-case, no accents, dots or spaces, ordinal prefixes as digits: "I Cor." -> "1cor",
    /// "First John" -> "1john", "Song of Songs" -> "songofsongs", "Primera de Juan" ->
    /// "1juan", "Éxodo" -> "exodo".
    static func normalize(_ name: String) -> String {
        var words = name.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased()
            .replacingOccurrences(of: ".", with: " ")
            .split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if words.count > 1, let digit = ordinalPrefixes[words[0]] {
            words[0] = digit
            // "Primera de Juan", "Segunda a los Corintios"
            while words.count > 2, ["de", "a", "los", "las"].contains(words[1]) { words.remove(at: 1) }
        }
        return words.joined()
    }

    static let ordinalPrefixes = [
        "i": "1", "ii": "2", "iii": "3", "first": "1", "second": "2", "third": "3", "1st": "1", "2nd": "2", "3rd": "3",
        "primera": "1", "primero": "1", "primer": "1", "1ra": "1", "1ro": "1", "1a": "1", "1o": "1",
        "segunda": "2", "segundo": "2", "2da": "2", "2do": "2", "2a": "2", "2o": "2",
        "tercera": "3", "tercero": "3", "3ra": "3", "3ro": "3", "3a": "3", "3o": "3",
    ]
}
