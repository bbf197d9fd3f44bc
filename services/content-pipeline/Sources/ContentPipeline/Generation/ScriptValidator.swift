import Foundation

/// Checks a generated answer before it is written to an item: all four scripts present and of
/// a length a short video can use; a bible item's scripts name its own reference and no other,
/// and read its verse once (in the camera script); no opening repeats one of the week before;
/// no word of old spelling (`ScriptRules`).
public struct ScriptValidator {
    static let bounds = [
        ("camera_script", 20...1500), ("devotional_reflection", 40...2000),
        ("meditation_script", 20...1500), ("background_prompt", 10...500),
    ]

    /// Nil when the scripts are usable, else why not.
    public static func problem(_ scripts: GeneratedScripts, for input: GenerationInput, pack: LanguagePack? = nil) -> String? {
        let texts = [scripts.cameraScript, scripts.devotionalReflection, scripts.meditationScript, scripts.backgroundPrompt]
        for ((name, range), text) in zip(bounds, texts) {
            let count = text.trimmingCharacters(in: .whitespacesAndNewlines).count
            if count == 0 { return "\(name) is missing" }
            if !range.contains(count) { return "\(name) has \(count) characters (\(range.lowerBound)-\(range.upperBound) allowed)" }
        }
        let allowed = input.verseReference.map(Self.verses(of:))
        if let reference = input.verseReference, !(scripts.cameraScript + " " + scripts.devotionalReflection).contains(reference) {
            return "neither camera_script nor devotional_reflection names \(reference)"
        }
        for script in texts {
            for match in script.matches(of: Self.referencePattern) {
                let chapter = Int(match.output.2)!, verse = Int(match.output.3)!
                if let allowed, allowed.chapter == chapter, allowed.verses.contains(verse) { continue }
                return "the scripts name another reference, '\(match.output.0)'"
            }
        }
        if let verse = input.verseText {
            let quoted = ScriptRules.quotations(of: verse, in: scripts.cameraScript)
            if quoted > 1 { return "camera_script reads the verse \(quoted) times (once)" }
            for (name, script) in [("devotional_reflection", scripts.devotionalReflection), ("meditation_script", scripts.meditationScript)]
            where ScriptRules.quotations(of: verse, in: script) > 0 {
                return "\(name) quotes the verse (only the camera script reads it)"
            }
        }
        let recent = Set(input.recentOpenings.map(ScriptRules.openingKey))
        for (name, script) in [("camera_script", scripts.cameraScript), ("devotional_reflection", scripts.devotionalReflection)]
        where recent.contains(ScriptRules.openingKey(script)) {
            return "\(name) opens like a script of the last \(ScriptRules.openingWindow) days (\"\(ScriptRules.firstSentence(script).prefix(60))\")"
        }
        if let pack {
            for script in texts {
                let old = ScriptRules.oldSpellings(in: script, list: pack.oldSpellings)
                if !old.isEmpty { return "old spelling: \(old.joined(separator: ", "))" }
            }
        }
        return nil
    }

    /// "Book 3:16", "1 Juan 4:8", "Sal. 23:1-3": a name, then chapter:verse.
    nonisolated(unsafe) static let referencePattern = /((?:[1-3]\s?)?\p{Lu}[\p{L}]+\.?)\s+(\d{1,3}):(\d{1,3})/

    /// Chapter and verses of a reference as shown ("Psalms 23:1-3", "Juan 3:16", "Salmos 23").
    static func verses(of reference: String) -> (chapter: Int, verses: ClosedRange<Int>) {
        let numbers = reference.split(separator: " ").last.map(String.init) ?? ""
        let parts = numbers.split(separator: ":")
        let chapter = Int(parts.first ?? "") ?? 0
        guard parts.count == 2 else { return (chapter, 1...200) }
        let range = parts[1].split(separator: "-").compactMap { Int($0) }
        let low = range.first ?? 0
        return (chapter, low...max(low, range.last ?? low))
    }
}
