import Foundation

/// Ranks a category's non-curated verses by how well each would stand alone in a short
/// devotional video. The rules, documented in docs/content.md:
///
/// - **Whole sentences only.** A passage starts where a sentence starts (the verse before it
///   ends with `.`, `?`, `!` or `:`, or it opens a chapter, and it does not open with a
///   connective such as "And", "For" or "Which") and ends where a sentence ends (`.`, `?`,
///   `!`). A verse that does not end a sentence is extended by up to two following verses of
///   the same chapter until one does; otherwise it is skipped.
/// - **Teaching books only.** Law and history books (Genesis-Esther) and Acts give no scored
///   picks; their well-known verses reach a category through its curated list.
/// - **No lists.** Passages naming two or more people or places, counting ("thousand",
///   "cubits"), or tracing descent ("begat") are skipped.
/// - **Length.** 30-400 characters; 60-240 scores best.
/// - **Stands alone** (`standsAlone`, also checked when a claim takes a scored pick in another
///   language): leading punctuation is ignored; no opening connective (English or Spanish),
///   no "therefore"/"wherefore"/"then" ("pues", "entonces", "por tanto") as its second or third
///   word, no epistle salutation naming sender and addressee.
/// - **Deny list.** Passages overlapping `denied_verses.tsv` (slavery instructions, curses,
///   judgement and violence, words of the wrong speaker) are never scored picks.
///
/// What is left scores 0-100: 40 x popularity (how many Nave topics cite the verse, a proxy
/// for how well known it is) + 25 x book weight + 20 x length fit + 15 x devotional voice
/// (addresses God or the reader), less 5 per extra verse and 10 for reported dialogue.
struct PassageScorer: Sendable {
    struct Passage: Equatable {
        let first: Int
        let last: Int
        let score: Double
    }

    let canon: Canon
    /// KJV text by ordinal.
    let text: @Sendable (Int) -> String?
    /// How many short Nave references (at most three verses) cite each ordinal.
    let popularity: [Int: Int]
    /// Passages never picked (`denied_verses.tsv`), as ordinal ranges.
    var denied: [ClosedRange<Int>] = DeniedVerses.ranges

    static let maxVerses = 3
    static let lengthBounds = 30...400

    /// Scored passages for the candidate verses, best first (ties in canon order).
    func rank(_ candidates: [Int]) -> [Passage] {
        var passages: [Passage] = []
        for ordinal in candidates {
            if let passage = passage(startingAt: ordinal) { passages.append(passage) }
        }
        return passages.sorted { ($0.score, -$0.first) > ($1.score, -$1.first) }
    }

    func passage(startingAt first: Int) -> Passage? {
        let start = canon.location(ofOrdinal: first)
        guard let weight = Self.bookWeight(start.book), let opening = text(first), startsSentence(first, opening, verse: start.verse) else {
            return nil
        }
        var last = first
        var texts = [opening]
        while !Self.endsSentence(texts.last!) {
            guard texts.count < Self.maxVerses, last < canon.verseCount,
                  canon.location(ofOrdinal: last + 1).chapter == start.chapter,
                  canon.location(ofOrdinal: last + 1).book.index == start.book.index,
                  let next = text(last + 1) else { return nil }
            last += 1
            texts.append(next)
        }
        let joined = texts.joined(separator: " ")
        guard Self.lengthBounds.contains(joined.count), !Self.looksLikeList(joined),
              Self.standsAlone(joined, language: "en"), !denied.contains(where: { $0.overlaps(first...last) }) else { return nil }
        let cited = (first...last).map { popularity[$0] ?? 0 }.max() ?? 0
        let popularityScore = min(1, log2(1 + Double(cited)) / log2(13))
        var score = 40 * popularityScore + 25 * weight + 20 * Self.lengthFit(joined.count) + 15 * Self.voice(joined)
        score -= 5 * Double(last - first)
        if joined.range(of: #"\b(said|saith|spake) unto\b"#, options: .regularExpression) != nil { score -= 10 }
        return Passage(first: first, last: last, score: (score * 100).rounded() / 100)
    }

    // MARK: Rules

    /// Words that continue a sentence begun elsewhere, per language; a pick may not open with one.
    static let connectives: [String: Set<String>] = [
        "en": [
            "and", "but", "for", "which", "that", "who", "whom", "whose", "because", "neither", "nor", "or", "so",
            "then", "therefore", "wherefore", "when", "lest", "unto", "to", "even", "if", "as", "saying", "howbeit",
            "notwithstanding", "yea", "now", "until", "till", "whereas", "insomuch", "likewise", "also", "moreover",
            "furthermore", "nevertheless", "thus", "where", "whereby", "while", "whether", "than", "of", "in", "with",
        ],
        "es": [
            "y", "e", "o", "u", "ni", "mas", "pero", "empero", "sino", "porque", "pues", "entonces", "que", "cual",
            "cuales", "quien", "quienes", "cuyo", "cuya", "cuando", "donde", "aunque", "si", "como", "hasta", "mientras",
            "también", "asimismo", "además", "luego", "diciendo", "para", "de", "en", "con", "ca", "antes", "sin",
        ],
    ]
    /// Connectives of more than one word ("Por tanto", "Así que", "El cual").
    static let connectivePhrases: [String: [[String]]] = [
        "en": [],
        "es": [["por", "tanto"], ["por", "lo", "cual"], ["por", "eso"], ["por", "esto"], ["así", "que"], ["de", "manera"],
               ["de", "modo"], ["el", "cual"], ["la", "cual"], ["los", "cuales"], ["las", "cuales"], ["lo", "cual"]],
    ]
    /// "Be ye therefore followers of God": the sentence follows from the one before.
    static let inferenceWords: [String: Set<String>] = [
        "en": ["therefore", "wherefore", "then"],
        "es": ["pues", "entonces"],
    ]

    /// Whether a passage's text could open a video on its own (the opening and salutation
    /// rules; see the type's documentation). `language` is the text's ("en" for the KJV).
    static func standsAlone(_ text: String, language: String) -> Bool {
        let words = text.split(whereSeparator: { !$0.isLetter && $0 != "'" }).prefix(3).map { $0.lowercased() }
        guard let first = words.first else { return false }
        if connectives[language]?.contains(first) == true { return false }
        if connectivePhrases[language, default: []].contains(where: { words.starts(with: $0) }) { return false }
        if let inference = inferenceWords[language], words.dropFirst().contains(where: inference.contains) { return false }
        if language == "es", Array(words.dropFirst()).starts(with: ["por", "tanto"]) { return false }
        return !isSalutation(text)
    }

    /// An epistle's greeting: "Paul, an apostle of Jesus Christ ... unto Timothy, my own son in
    /// the faith: Grace, mercy, and peace", "Pablo, apóstol de Jesucristo", "The elder unto ...".
    static func isSalutation(_ text: String) -> Bool {
        let patterns = [
            #"^\W*(Paul|Peter|Simon Peter|James|Jude|Pablo|Pedro|Simón Pedro|Jacobo|Judas)\b[^.]{0,120}\b(apostle|servant|prisoner|ap[oó]stol|siervo|preso)\b"#,
            #"^\W*(The elder|El anciano)\b"#,
            #"\b([Uu]nto|[Tt]o|[Aa]|[Áá])\s[^.]{0,160}[,:;]\s*(Grace|Gracia)\b"#,
        ]
        return patterns.contains { text.range(of: $0, options: .regularExpression) != nil }
    }

    func startsSentence(_ ordinal: Int, _ text: String, verse: Int) -> Bool {
        guard Self.standsAlone(text, language: "en") else { return false }
        if verse == 1 { return true }
        guard let previous = self.text(ordinal - 1) else { return false }
        return Self.endsSentence(previous) || previous.trimmingCharacters(in: .whitespaces).hasSuffix(":")
    }

    static func endsSentence(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: CharacterSet.whitespaces.union(CharacterSet(charactersIn: "'\")»”’")))
        guard let last = trimmed.last else { return false }
        return last == "." || last == "?" || last == "!"
    }

    /// Books and their weight; nil: no scored picks from this book.
    static func bookWeight(_ book: Canon.Book) -> Double? {
        switch book.osis {
        case "Ps": return 1.0
        case "Prov", "Isa": return 0.9
        case "Lam": return 0.8
        case "Job", "Eccl": return 0.5
        case "Song": return 0.3
        case "Acts": return nil
        case "Rev": return 0.6
        default:
            switch book.index {
            case 0...16: return nil                     // Genesis-Esther: law and history
            case 23...38: return 0.6                    // Jeremiah-Malachi
            case 39...42: return 0.8                    // the gospels
            case 44...64: return 0.9                    // Romans-Jude
            default: return 0.5
            }
        }
    }

    static let namesAllowed: Set<String> = [
        "God", "LORD", "Lord", "GOD", "JEHOVAH", "Jesus", "Christ", "Spirit", "Holy", "Ghost", "Father", "Son",
        "I", "O", "Most", "High", "Almighty", "Saviour", "Redeemer", "Israel", "Jacob", "Zion", "Jerusalem",
    ]

    static func looksLikeList(_ text: String) -> Bool {
        if text.range(of: #"\b(begat|begot|thousand|hundred|threescore|fourscore|cubits?|shekels?|talents|numbered|genealog\w*)\b"#,
                      options: [.regularExpression, .caseInsensitive]) != nil {
            return true
        }
        // Capitalised words that do not open a sentence or clause: names of people and places.
        let words = text.split(whereSeparator: { !$0.isLetter && $0 != "'" })
        var previousEnded = true
        var names = Set<Substring>()
        var index = text.startIndex
        for word in words {
            let range = text.range(of: word, range: index..<text.endIndex)!
            let before = text[index..<range.lowerBound]
            previousEnded = previousEnded || before.contains { ".?!:;".contains($0) }
            if !previousEnded, word.first!.isUppercase, !namesAllowed.contains(String(word)) { names.insert(word) }
            previousEnded = false
            index = range.upperBound
        }
        return names.count > 1
    }

    static func lengthFit(_ count: Int) -> Double {
        switch count {
        case 60...240: return 1
        case ..<60: return max(0, Double(count - 30) / 30)
        default: return max(0, Double(400 - count) / 160)
        }
    }

    static let voiceWords = [
        "God", "LORD", "Lord", "thee", "thou", "thy", "you", "your", "ye", "soul", "love", "peace", "hope",
        "joy", "faith", "grace", "mercy", "trust", "heart", "rest", "strength", "comfort", "fear not",
    ]

    static func voice(_ text: String) -> Double {
        let padded = " " + text.replacingOccurrences(of: #"[^\p{L} ]"#, with: " ", options: .regularExpression) + " "
        let hits = voiceWords.filter { padded.contains(" \($0) ") }.count
        return min(1, Double(hits) / 3)
    }
}

/// `denied_verses.tsv`: "reference<TAB>kind<TAB>why" lines, the passages no scored pick overlaps.
enum DeniedVerses {
    static let ranges: [ClosedRange<Int>] = {
        guard let url = Bundle.module.url(forResource: "denied_verses", withExtension: "tsv", subdirectory: "bible"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            fatalError("denied_verses.tsv is missing from the VerseRegistry resource bundle")
        }
        return parse(text).map { $0.first...$0.last }
    }()

    static func parse(_ text: String) -> [Reference] {
        let parser = ReferenceParser(canon: .kjv)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
            guard let field = line.split(separator: "\t").first, let reference = try? parser.parse(String(field)) else {
                fatalError("denied_verses.tsv: bad line \(line)")
            }
            return reference
        }
    }
}
