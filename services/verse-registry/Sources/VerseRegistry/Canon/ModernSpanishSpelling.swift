/// Modern (RAE 2010) spelling for the Reina-Valera 1909 text as it is SHOWN to users.
///
/// RV1909 is printed in the orthography of its day, which a modern reader takes for errors
/// (issue 24). The stored text stays as published; passages leaving the registry for a
/// translation in `translations` go through `apply`. Only accents change, never words:
/// "crio" (RV1909's word for "creó") stays that word, as do the names.
///
/// The rules, each checked against the whole bundled text (counts in docs/content.md):
/// - one-letter words lose their accent: "á" -> "a", "é" -> "e", "ó" -> "o" (between numbers
///   too: "dos ó tres" is "dos o tres" since 2010), "ú" -> "u";
/// - monosyllables that RV1909 accents and RAE does not: "fué", "fuí", "dió", "vió", "tí",
///   "hé" ("hé aquí"), "há", "dí", "ví", "piés", "pié" (and "fé", "vé"). The accented forms that
///   are still correct stay: "él", "tú", "mí", "sí", "más", "sé", "dé", "qué", "aún";
/// - a verb whose last vowel is accented followed by one enclitic ("levantóse", "fuése",
///   "dióle", "tomóla") is a paroxytone ending in a vowel, "n" or "s" and loses the accent
///   ("levantose", "fuese"); with two enclitics ("dióselo") or a hiatus ("reuníos", "Judíos")
///   it keeps it.
/// - the monosyllables by spelling convention that RAE 2010 writes without an accent: "crió",
///   "crié", "guió", "fió" -> "crio", "crie", "guio", "fio".
/// Not changed, on purpose: the demonstratives and "sólo" (still allowed).
///
/// Capitalisation is kept ("Á" -> "A", "FUÉ" -> "FUE"). One pass over the words, one dictionary
/// lookup each: it runs on every shown passage.
public enum ModernSpanishSpelling {
    /// Translations shown in modern spelling: the one place that decides it.
    public static let translations: Set<String> = ["rv1909"]

    /// Old form (lower case) -> modern form.
    static let words: [String: String] = [
        "á": "a", "é": "e", "ó": "o", "ú": "u",
        "fué": "fue", "fuí": "fui", "dió": "dio", "vió": "vio", "tí": "ti", "hé": "he", "há": "ha",
        "dí": "di", "ví": "vi", "piés": "pies", "pié": "pie", "fé": "fe", "vé": "ve",
        "crió": "crio", "crié": "crie", "guió": "guio", "fió": "fio",
    ]

    static let enclitics: Set<String> = ["se", "le", "la", "lo", "me", "te", "les", "las", "los", "nos"]
    static let plain: [Character: Character] = ["á": "a", "é": "e", "í": "i", "ó": "o", "ú": "u"]
    static let vowels: Set<Character> = ["a", "e", "i", "o", "u", "á", "é", "í", "ó", "ú", "ü"]
    /// Words that look like verb + enclitic but are not ("cuáles" = "cuál" + "es").
    static let notEnclitic: Set<String> = ["cuáles"]

    /// The text in modern spelling.
    public static func apply(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var word = ""
        for ch in text {
            if ch.isLetter {
                word.append(ch)
            } else {
                if !word.isEmpty { out += modern(word); word = "" }
                out.append(ch)
            }
        }
        if !word.isEmpty { out += modern(word) }
        return out
    }

    /// One word in modern spelling (the word itself if nothing applies).
    static func modern(_ word: String) -> String {
        let lower = word.lowercased()
        if let new = words[lower] { return recase(new, like: word) }
        if let new = withoutEncliticAccent(lower) { return recase(new, like: word) }
        return word
    }

    /// "levantóse" -> "levantose": accented last vowel of the verb, then one enclitic.
    static func withoutEncliticAccent(_ lower: String) -> String? {
        guard lower.count >= 4, !notEnclitic.contains(lower) else { return nil }
        for clitic in enclitics where lower.hasSuffix(clitic) {
            let stem = lower.dropLast(clitic.count)
            guard let accented = stem.last, let bare = plain[accented] else { continue }
            let before = stem.dropLast()
            // the verb has another vowel before ("dió" + "le"), and no other accent
            guard before.contains(where: { vowels.contains($0) }),
                  !before.contains(where: { plain[$0] != nil }) else { return nil }
            return String(before) + String(bare) + clitic
        }
        return nil
    }

    static func recase(_ new: String, like old: String) -> String {
        if old.count > 1 && old == old.uppercased() { return new.uppercased() }
        if let first = old.first, first.isUppercase { return new.prefix(1).uppercased() + new.dropFirst() }
        return new
    }
}
