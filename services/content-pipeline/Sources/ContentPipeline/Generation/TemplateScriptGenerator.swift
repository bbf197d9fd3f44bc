/// Fills fixed templates with the verse (or theme). Deterministic: the same seed, date, mode
/// and language always give the same scripts, so tests and re-runs agree.
public struct TemplateScriptGenerator: ScriptGenerator {
    public let seed: UInt64

    public init(seed: UInt64 = 0) {
        self.seed = seed
    }

    /// The built-in positivity themes, rotated by date.
    public static let positivityThemes = [
        "gratitude", "small wins", "kindness", "rest", "courage", "friendship", "patience",
        "fresh starts", "generosity", "joy in ordinary things", "perseverance", "self-compassion",
    ]

    public func scripts(for input: GenerationInput) async throws -> GeneratedScripts {
        let pick = variant(input)
        let spanish = input.language == "es"
        switch input.mode {
        case .bible:
            let reference = input.verseReference ?? ""
            let text = input.verseText ?? ""
            if spanish {
                return GeneratedScripts(
                    cameraScript: ["Mira a la cámara y lee despacio: \"\(text)\" (\(reference)). Haz una pausa y sonríe.",
                                   "Abre con \(reference). Lee: \"\(text)\". Termina con una invitación a orar."][pick % 2],
                    devotionalReflection: "\(reference) nos recuerda que Dios está cerca en lo cotidiano. \"\(text)\" Hoy, deja que esta palabra sobre \(input.topic) guíe tus pasos.",
                    meditationScript: "Respira hondo. Repite en silencio: \"\(text)\". Quédate un minuto con esta verdad.",
                    backgroundPrompt: ["Amanecer suave sobre colinas, luz dorada, estilo sereno", "Lago en calma al atardecer, tonos cálidos"][pick % 2])
            }
            return GeneratedScripts(
                cameraScript: [
                    "Look into the camera and read slowly: \"\(text)\" (\(reference)). Pause, then smile.",
                    "Open with the reference, \(reference). Read: \"\(text)\". Close by inviting viewers to pray.",
                    "Start in silence for two seconds. Then: \"\(text)\" — \(reference). End with 'Have a blessed day.'",
                ][pick % 3],
                devotionalReflection: [
                    "\(reference) reminds us that God meets us in ordinary days. \"\(text)\" Today, let this word on \(input.topic) shape one choice you make.",
                    "Sit with \(reference) for a moment. \"\(text)\" Where in your life does \(input.topic) need to take root today?",
                ][pick % 2],
                meditationScript: "Breathe in slowly. Breathe out. Repeat silently: \"\(text)\". Rest in it for one minute, then carry it with you.",
                backgroundPrompt: [
                    "Soft sunrise over rolling hills, golden light, calm and reverent, 9:16 vertical",
                    "Still lake at dusk with warm reflections, gentle mist, 9:16 vertical",
                    "Sunlight through an olive grove, peaceful, cinematic, 9:16 vertical",
                ][pick % 3])
        case .positivity:
            let theme = input.topic
            if spanish {
                return GeneratedScripts(
                    cameraScript: "Habla con calidez sobre \(theme): una historia breve, una idea práctica y una sonrisa al final.",
                    devotionalReflection: "Hoy el tema es \(theme). Nota un momento pequeño donde puedas vivirlo.",
                    meditationScript: "Cierra los ojos. Inhala calma, exhala prisa. Piensa en \(theme) durante tres respiraciones.",
                    backgroundPrompt: "Luz de mañana en una cocina acogedora, tonos cálidos, vertical")
            }
            return GeneratedScripts(
                cameraScript: [
                    "Talk warmly about \(theme): one short story, one practical idea, and a smile at the end.",
                    "Ask viewers: where did you see \(theme) this week? Share yours in 20 seconds.",
                ][pick % 2],
                devotionalReflection: "Today's theme is \(theme). Notice one small moment where you can practise it, and let that be enough.",
                meditationScript: "Close your eyes. Breathe in calm, breathe out hurry. Hold the idea of \(theme) for three slow breaths.",
                backgroundPrompt: [
                    "Morning light in a cosy kitchen, warm tones, 9:16 vertical",
                    "City park in spring, soft bokeh, people smiling in the distance, 9:16 vertical",
                ][pick % 2])
        }
    }

    /// A stable small number from seed, date, mode and language (FNV-1a).
    private func variant(_ input: GenerationInput) -> Int {
        var hash: UInt64 = 0xcbf29ce484222325 ^ seed
        for byte in "\(input.postDate)|\(input.mode.rawValue)|\(input.language)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100000001b3
        }
        return Int(hash % 1_000_003)
    }

    /// The theme of a positivity item on a date.
    public func theme(for date: String) -> String {
        var hash: UInt64 = 0xcbf29ce484222325 ^ seed
        for byte in date.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
        return Self.positivityThemes[Int(hash % UInt64(Self.positivityThemes.count))]
    }
}
