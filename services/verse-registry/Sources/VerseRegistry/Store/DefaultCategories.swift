/// The devotional categories a fresh registry ships with. Each combines Nave's topics with
/// well-known verses, because some topics a devotional app wants are thin in Nave (STRENGTH has
/// one reference, ANXIETY is only a cross-reference to CARE).
public enum DefaultCategories {
    public struct Definition: Sendable {
        public let name: String
        public let description: String
        public let topics: [String]
        public let references: [String]
    }

    public static let all: [Definition] = [
        .init(name: "hope", description: "Hope and the promises of God",
              topics: ["HOPE"], references: ["Rom 15:13", "Jer 29:11", "Heb 11:1", "Lam 3:22-24", "Ps 42:11", "Rom 5:3-5"]),
        .init(name: "peace", description: "Peace with God and peace of mind",
              topics: ["PEACE"], references: ["Phil 4:6-7", "John 14:27", "Isa 26:3", "John 16:33"]),
        .init(name: "forgiveness", description: "Being forgiven and forgiving",
              topics: ["FORGIVENESS"], references: ["Eph 4:32", "1 John 1:9", "Col 3:13", "Ps 103:12"]),
        .init(name: "faith", description: "Trusting God",
              topics: ["FAITH"], references: ["Prov 3:5-6", "Heb 11:6"]),
        .init(name: "love", description: "God's love and loving others",
              topics: ["LOVE"], references: ["1 Cor 13:4-7", "John 3:16", "Rom 8:38-39", "1 John 4:7-8"]),
        .init(name: "joy", description: "Joy and rejoicing",
              topics: ["JOY"], references: ["Neh 8:10", "Ps 16:11", "Phil 4:4"]),
        .init(name: "strength", description: "Strength and courage in weakness",
              topics: ["STRENGTH", "COURAGE"], references: ["Isa 40:31", "Phil 4:13", "Josh 1:9", "Ps 46:1", "2 Cor 12:9-10"]),
        .init(name: "anxiety", description: "Casting care on God",
              topics: ["CARE"], references: ["Matt 6:25-34", "1 Pet 5:7", "Phil 4:6-7", "Ps 55:22", "Isa 41:10", "Ps 94:19"]),
        .init(name: "gratitude", description: "Thankfulness",
              topics: ["THANKFULNESS"], references: ["1 Thess 5:18", "Ps 107:1", "Col 3:15-17", "Ps 100:4-5"]),
        .init(name: "patience", description: "Patience and waiting on God",
              topics: ["PATIENCE"], references: ["Ps 27:14", "Isa 40:31", "Gal 6:9"]),
        .init(name: "comfort", description: "Comfort in affliction",
              topics: ["REST"], references: ["2 Cor 1:3-4", "Ps 23", "Matt 11:28-30", "Ps 34:18", "Rev 21:4"]),
        .init(name: "wisdom", description: "Wisdom and guidance",
              topics: ["WISDOM"], references: ["Jas 1:5", "Prov 3:5-6"]),
        .init(name: "kindness", description: "Kindness and humility",
              topics: ["KINDNESS", "HUMILITY"], references: ["Mic 6:8", "Col 3:12"]),
    ]
}
