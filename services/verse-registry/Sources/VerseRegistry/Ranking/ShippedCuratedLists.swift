/// The curated lists as migration 009 shipped them (issue 24, 2026-11), frozen here so that later
/// migrations recognise a list an editor never changed without reading the live
/// `curated_verses.tsv`, which moves on. Never edit: a migration that ships a new list adds its
/// own snapshot.
enum ShippedCuratedLists {
    static let v009: [String: [String]] = [
        "hope": ["Jer 29:11", "Rom 15:13", "Lam 3:22-23", "Rom 8:28", "Ps 42:11", "Rom 5:3-5", "Ps 39:7", "Ps 62:5", "Ps 71:14", "Prov 23:18", "Ps 130:5", "Isa 43:19", "Mic 7:7", "Ps 147:11"],
        "peace": ["John 14:27", "Phil 4:6-7", "Isa 26:3", "John 16:33", "Num 6:24-26", "2 Thess 3:16", "Ps 4:8", "Ps 29:11", "Isa 9:6", "Matt 5:9", "Ps 119:165", "Prov 3:17", "Isa 32:17", "Ps 34:14"],
        "forgiveness": ["1 John 1:9", "Eph 4:32", "Col 3:13", "Ps 103:12", "Matt 6:14-15", "Isa 1:18", "Mic 7:18", "Ps 32:1", "Ps 86:5", "Mark 11:25", "Isa 43:25", "Ps 51:10", "Heb 8:12", "Matt 18:21-22"],
        "faith": ["Prov 3:5-6", "Heb 11:6", "Heb 11:1", "Mark 11:24", "Rom 10:17", "Eph 2:8-9", "Matt 17:20", "Gal 2:20", "Jas 1:6", "Ps 56:3", "Ps 37:5", "Mark 9:23", "1 Pet 1:8-9", "Rom 1:17", "Jer 17:7", "Ps 9:10"],
        "love": ["John 3:16", "1 Cor 13:4-7", "Rom 8:38-39", "1 John 4:7-8", "1 John 4:19", "John 15:13", "Rom 5:8", "1 Cor 13:13", "John 13:34-35", "1 John 4:18", "Zeph 3:17", "Jer 31:3", "1 Pet 4:8", "Col 3:14", "Ps 136:26", "Eph 3:17-19", "Rom 13:10", "1 John 3:18"],
        "joy": ["Neh 8:10", "Ps 16:11", "Phil 4:4", "Ps 118:24", "John 15:11", "Ps 30:5", "Jas 1:2-3", "Ps 126:3", "1 Thess 5:16-18", "Isa 55:12", "Hab 3:17-18", "Ps 5:11", "Prov 17:22", "Gal 5:22-23", "Ps 51:12", "John 16:24", "Isa 61:10"],
        "strength": ["Isa 40:31", "Phil 4:13", "Josh 1:9", "Ps 46:1", "2 Cor 12:9-10", "Deut 31:6", "Ps 73:26", "Isa 40:29", "Eph 6:10", "Ps 18:2", "1 Chr 16:11", "Ps 27:1", "2 Tim 1:7", "Exod 15:2", "Hab 3:19"],
        "anxiety": ["1 Pet 5:7", "Matt 6:34", "Ps 55:22", "Isa 41:10", "Ps 94:19", "Matt 6:26", "John 14:1", "Prov 12:25", "Luke 12:25-26", "Ps 34:4", "Isa 35:4", "Matt 6:27", "Ps 46:10"],
        "gratitude": ["1 Thess 5:18", "Ps 107:1", "Col 3:15", "Ps 100:4-5", "Ps 118:1", "Jas 1:17", "Ps 9:1", "Col 3:17", "Ps 28:7", "Ps 95:2", "Ps 136:1", "2 Cor 9:15", "Ps 103:1", "Col 2:6-7", "Ps 69:30", "Phil 4:6"],
        "patience": ["Ps 27:14", "Gal 6:9", "Ps 37:7", "Eccl 7:8", "Jas 1:4", "Lam 3:25-26", "Rom 8:25", "Jas 5:7-8", "Prov 14:29", "Ps 40:1", "Heb 10:36", "Hab 2:3"],
        "comfort": ["Ps 23:1-3", "Matt 11:28-30", "2 Cor 1:3-4", "Ps 34:18", "Rev 21:4", "Matt 5:4", "Ps 147:3", "John 14:18", "Ps 119:50", "Isa 66:13", "Ps 23:4", "Deut 31:8", "2 Thess 2:16-17", "Isa 49:13", "Rom 8:18", "Ps 121:1-2"],
        "wisdom": ["Jas 1:5", "Prov 9:10", "Ps 90:12", "Prov 2:6", "Col 3:16", "Jas 3:17", "Prov 4:7", "Ps 119:105", "Prov 16:16", "Prov 1:7", "Ps 32:8", "Prov 19:20", "Isa 30:21", "Prov 16:9", "Eph 5:15-16", "Prov 11:2"],
        "kindness": ["Mic 6:8", "Col 3:12-13", "Prov 19:17", "Luke 6:31", "Gal 6:2", "Prov 3:3-4", "Phil 2:3-4", "1 Pet 3:8-9", "Matt 5:7", "Prov 11:17", "Heb 13:16", "Luke 6:35", "Jas 4:10", "Matt 25:40", "Gal 5:13"],
    ]
}
