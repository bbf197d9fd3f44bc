import ContentAPI
import LumaRPC

/// What plan-and-generate did, in words that say truthfully what was and was not changed: the
/// plan's items exist once Plan answered, whatever Generate then did.
enum PlanReport {
    /// The message after Plan succeeded and Generate answered (`generated`) or failed (`error`).
    static func words(from: String, to: String, planned: Luma_Content_V1_PlanResponse,
                      generated: Luma_Content_V1_GenerateResponse?, error: (any Error)?) -> (message: String, success: Bool) {
        let existing = planned.existing == 0 ? "" : " (\(planned.existing) already there)"
        let plannedWords = "Planned \(planned.created) new \(planned.created == 1 ? "item" : "items") for \(from) to \(to)\(existing)"
        let kept = "They are kept as empty items; generate them when it is back."
        if let error {
            switch error {
            case StudioError.serviceDown(let service, _):
                return ("\(plannedWords); they were not generated because \(service) is not answering. \(kept)", false)
            case let error as RPCError:
                return ("\(plannedWords); they were not generated: \(Studio.words(error)) They are kept as empty items.", false)
            default:
                return ("\(plannedWords); they were not generated (the studio hit an unexpected error). They are kept as empty items.", false)
            }
        }
        guard let generated else { return ("\(plannedWords).", true) }
        let failures = generated.failures
        guard !failures.isEmpty else { return ("\(plannedWords); generated \(generated.generated).", true) }
        let notGenerated = "\(failures.count) \(failures.count == 1 ? "was" : "were") not generated"
        // A peer that was down for all of them: say it once, by name.
        let origins = Set(failures.map(\.origin))
        if origins.count == 1, let origin = origins.first, !origin.isEmpty, failures.allSatisfy({ [4, 14].contains($0.code) }) {
            let keptOne = failures.count == 1 ? "It is kept as an empty item; generate it when it is back." : kept
            return ("\(plannedWords); generated \(generated.generated); \(notGenerated) because \(origin) is not answering. \(keptOne)", false)
        }
        let first = failures.prefix(3).map { "\($0.postDate): \(reason($0))" }.joined(separator: " ")
        let more = failures.count > 3 ? " And \(failures.count - 3) more." : ""
        return ("\(plannedWords); generated \(generated.generated); \(notGenerated), kept as empty items. \(first)\(more)", false)
    }

    /// One failure in words: never `reason`, which holds the raw status code.
    static func reason(_ failure: Luma_Content_V1_GenerateFailure) -> String {
        if failure.message.isEmpty { return "It could not be generated." }
        let words = Studio.sentence(failure.message, field: failure.field)
        return failure.origin.isEmpty ? words : "\(failure.origin): \(words)"
    }
}
