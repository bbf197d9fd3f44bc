import Foundation

/// The devotional categories a fresh registry ships with. Each combines Nave's topics (the
/// long tail, ranked by `PassageScorer`) with a curated list of well-known passages
/// (`curated_verses.tsv`, picked first), and names neighbours to fall back to when it runs dry.
public enum DefaultCategories {
    public struct Definition: Sendable {
        public let name: String
        public let description: String
        public let topics: [String]
        /// The curated passages, best first.
        public let references: [String]
        /// Categories to pick from, in order, when this one has no unused verse left.
        public let fallbacks: [String]

        public init(name: String, description: String, topics: [String], references: [String], fallbacks: [String] = []) {
            self.name = name
            self.description = description
            self.topics = topics
            self.references = references
            self.fallbacks = fallbacks
        }
    }

    public static let all: [Definition] = {
        let curated = CuratedVerses.bundled
        func define(_ name: String, _ description: String, topics: [String], fallbacks: [String]) -> Definition {
            Definition(name: name, description: description, topics: topics,
                       references: curated[name] ?? [], fallbacks: fallbacks)
        }
        return [
            define("hope", "Hope and the promises of God", topics: ["HOPE"], fallbacks: ["faith", "comfort"]),
            define("peace", "Peace with God and peace of mind", topics: ["PEACE"], fallbacks: ["anxiety", "comfort"]),
            define("forgiveness", "Being forgiven and forgiving", topics: ["FORGIVENESS"], fallbacks: ["love", "kindness"]),
            define("faith", "Trusting God", topics: ["FAITH"], fallbacks: ["hope", "strength"]),
            define("love", "God's love and loving others", topics: ["LOVE"], fallbacks: ["kindness", "joy"]),
            define("joy", "Joy and rejoicing", topics: ["JOY"], fallbacks: ["gratitude", "hope"]),
            define("strength", "Strength and courage in weakness", topics: ["STRENGTH", "COURAGE"], fallbacks: ["comfort", "faith"]),
            define("anxiety", "Casting care on God", topics: ["CARE"], fallbacks: ["peace", "comfort"]),
            define("gratitude", "Thankfulness", topics: ["THANKFULNESS"], fallbacks: ["joy", "love"]),
            define("patience", "Patience and waiting on God", topics: ["PATIENCE"], fallbacks: ["hope", "strength"]),
            define("comfort", "Comfort in affliction", topics: ["REST"], fallbacks: ["peace", "hope"]),
            define("wisdom", "Wisdom and guidance", topics: ["WISDOM"], fallbacks: ["faith", "patience"]),
            define("kindness", "Kindness and humility", topics: ["KINDNESS", "HUMILITY"], fallbacks: ["love", "forgiveness"]),
        ] + seasonal.map { define($0.name, $0.description, topics: [], fallbacks: $0.fallbacks) }
    }()

    /// The church year's categories (content-pipeline's `ChurchYear` names the same slugs and
    /// puts them on their dates; the ordinary rotation never picks them). Curated passages
    /// only, no Nave topics: a season's verses are chosen by editors, and a season that runs
    /// dry falls back to the ordinary category that carries its mood.
    public static let seasonal: [(name: String, description: String, fallbacks: [String])] = [
        ("advent", "Advent: waiting for the coming of Christ", ["hope", "peace"]),
        ("christmas-day", "Christmas Day: the birth of Jesus", ["christmas", "joy"]),
        ("christmas", "Christmastide: God with us", ["joy", "love"]),
        ("epiphany", "Epiphany: the light revealed to the nations", ["christmas", "faith"]),
        ("ash-wednesday", "Ash Wednesday: return to the Lord", ["lent", "forgiveness"]),
        ("lent", "Lent: repentance, prayer and return", ["forgiveness", "patience"]),
        ("palm-sunday", "Palm Sunday: the King comes humbly", ["holy-week", "joy"]),
        ("holy-week", "Holy Week: the road to the cross", ["lent", "love"]),
        ("maundy-thursday", "Maundy Thursday: the Last Supper and the new commandment", ["holy-week", "love"]),
        ("good-friday", "Good Friday: the cross", ["holy-week", "love"]),
        ("holy-saturday", "Holy Saturday: waiting at the tomb", ["holy-week", "hope"]),
        ("easter-day", "Easter Day: the resurrection", ["easter", "joy"]),
        ("easter", "Eastertide: new life in the risen Christ", ["joy", "hope"]),
        ("ascension", "Ascension Day: Christ reigns", ["easter", "hope"]),
        ("pentecost", "Pentecost: the Holy Spirit given", ["joy", "strength"]),
    ]

    /// The references each default category shipped with before curated lists (migration
    /// 004). Migration 007 replaces them with the curated list only where an editor left them
    /// unchanged.
    static let shippedBeforeCuration: [String: [String]] = [
        "hope": ["Rom 15:13", "Jer 29:11", "Heb 11:1", "Lam 3:22-24", "Ps 42:11", "Rom 5:3-5"],
        "peace": ["Phil 4:6-7", "John 14:27", "Isa 26:3", "John 16:33"],
        "forgiveness": ["Eph 4:32", "1 John 1:9", "Col 3:13", "Ps 103:12"],
        "faith": ["Prov 3:5-6", "Heb 11:6"],
        "love": ["1 Cor 13:4-7", "John 3:16", "Rom 8:38-39", "1 John 4:7-8"],
        "joy": ["Neh 8:10", "Ps 16:11", "Phil 4:4"],
        "strength": ["Isa 40:31", "Phil 4:13", "Josh 1:9", "Ps 46:1", "2 Cor 12:9-10"],
        "anxiety": ["Matt 6:25-34", "1 Pet 5:7", "Phil 4:6-7", "Ps 55:22", "Isa 41:10", "Ps 94:19"],
        "gratitude": ["1 Thess 5:18", "Ps 107:1", "Col 3:15-17", "Ps 100:4-5"],
        "patience": ["Ps 27:14", "Isa 40:31", "Gal 6:9"],
        "comfort": ["2 Cor 1:3-4", "Ps 23", "Matt 11:28-30", "Ps 34:18", "Rev 21:4"],
        "wisdom": ["Jas 1:5", "Prov 3:5-6"],
        "kindness": ["Mic 6:8", "Col 3:12"],
    ]
}

extension DefaultCategories {
    /// The curated passages removed from `curated_verses.tsv` because another category lists
    /// them first (category, index in its old list, reference). Migration 009 recognises a list
    /// an editor left unchanged by them.
    static let removedDuplicates: [(category: String, index: Int, reference: String)] = [
        ("hope", 2, "Isa 40:31"), ("hope", 5, "Heb 11:1"), ("peace", 5, "Col 3:15"), ("peace", 11, "Rom 15:13"),
        ("joy", 5, "Rom 15:13"), ("strength", 5, "Isa 41:10"), ("strength", 9, "Ps 28:7"), ("strength", 12, "Neh 8:10"),
        ("anxiety", 1, "Phil 4:6-7"), ("anxiety", 6, "Matt 11:28-30"), ("anxiety", 9, "Ps 56:3"), ("anxiety", 14, "Deut 31:8"),
        ("anxiety", 15, "Ps 23:4"), ("patience", 2, "Isa 40:31"), ("patience", 7, "Col 3:12-13"), ("patience", 14, "Mic 7:7"),
        ("patience", 15, "Ps 130:5"), ("comfort", 7, "Isa 41:10"), ("comfort", 13, "Ps 46:1"), ("wisdom", 1, "Prov 3:5-6"),
        ("kindness", 2, "Eph 4:32"),
    ]

    /// A default category's curated list as shipped before the duplicates were removed.
    static func curatedBeforeDeduplication(_ name: String) -> [String]? {
        guard var list = ShippedCuratedLists.v009[name] else { return nil }
        for removed in removedDuplicates where removed.category == name { list.insert(removed.reference, at: removed.index) }
        return list
    }
}

/// `curated_verses.tsv`: "category<TAB>reference" lines, best first per category.
enum CuratedVerses {
    static let bundled: [String: [String]] = {
        guard let url = Bundle.module.url(forResource: "curated_verses", withExtension: "tsv", subdirectory: "bible"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            fatalError("curated_verses.tsv is missing from the VerseRegistry resource bundle")
        }
        return parse(text)
    }()

    static func parse(_ text: String) -> [String: [String]] {
        var lists: [String: [String]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t").map(String.init)
            guard fields.count >= 2 else { continue }
            lists[fields[0], default: []].append(fields[1])
        }
        return lists
    }
}
