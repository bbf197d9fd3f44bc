import Foundation
import Hummingbird

/// A url-encoded form the studio takes, decoded by Hummingbird's `URLEncodedFormDecoder`
/// (`request.decode(as:context:)`): its CSRF token and what to show again after a refusal.
protocol StudioForm: Decodable, Sendable {
    /// The `_csrf` field; nil when the form did not carry one.
    var csrf: String? { get }
    /// What the person typed, to put back in the form after a refusal (never passwords).
    var kept: [String: String] { get }
}

extension StudioForm {
    var kept: [String: String] { [:] }
}

/// A form value without surrounding white space; empty when absent.
func trimmed(_ value: String?) -> String { (value ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }

/// "en, es" -> ["en", "es"].
func commaList(_ value: String?) -> [String] {
    trimmed(value).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

/// A form with nothing but its token (approve, unassign, generate, sign-out, ...).
struct TokenForm: StudioForm {
    let csrf: String?
    enum CodingKeys: String, CodingKey { case csrf = "_csrf" }
}

struct SignInForm: StudioForm {
    let csrf: String?
    let email: String?
    let password: String?
    enum CodingKeys: String, CodingKey { case csrf = "_csrf", email, password }
}

/// Plan and generate: a date range, languages, and the modes ticked (`modes[]`).
struct PlanForm: StudioForm {
    let csrf: String?
    let fromDate: String?
    let toDate: String?
    let languages: String?
    let modes: [String]?
    enum CodingKeys: String, CodingKey { case csrf = "_csrf", fromDate = "from_date", toDate = "to_date", languages, modes }
    var kept: [String: String] { ["from_date": trimmed(fromDate), "to_date": trimmed(toDate), "languages": trimmed(languages)] }
}

struct AssignForm: StudioForm {
    let csrf: String?
    let creatorID: String?
    enum CodingKeys: String, CodingKey { case csrf = "_csrf", creatorID = "creator_id" }
}

/// A move that takes a note: Reject (what to change), Unpublish (why it is pulled).
struct NoteForm: StudioForm {
    let csrf: String?
    let note: String?
    enum CodingKeys: String, CodingKey { case csrf = "_csrf", note }
    var kept: [String: String] { ["note": trimmed(note)] }
}

struct SubmitURLForm: StudioForm {
    let csrf: String?
    let videoURL: String?
    let thumbnailURL: String?
    enum CodingKeys: String, CodingKey { case csrf = "_csrf", videoURL = "video_url", thumbnailURL = "thumbnail_url" }
    var kept: [String: String] { ["video_url": trimmed(videoURL), "thumbnail_url": trimmed(thumbnailURL)] }
}

/// A creator's profile, new (`userID`) or edited. Checkboxes are present only when ticked.
struct CreatorForm: StudioForm {
    let csrf: String?
    let userID: String?
    let displayName: String?
    let languages: String?
    let monthlyCapacity: String?
    let canBible: String?
    let canPositivity: String?
    let heygenAvatarID: String?
    let active: String?
    enum CodingKeys: String, CodingKey {
        case csrf = "_csrf", userID = "user_id", displayName = "display_name", languages, monthlyCapacity = "monthly_capacity"
        case canBible = "can_bible", canPositivity = "can_positivity", heygenAvatarID = "heygen_avatar_id", active
    }
    var kept: [String: String] {
        ["display_name": trimmed(displayName), "languages": trimmed(languages), "monthly_capacity": trimmed(monthlyCapacity),
         "heygen_avatar_id": trimmed(heygenAvatarID)]
    }
}

struct UserForm: StudioForm {
    let csrf: String?
    let email: String?
    let displayName: String?
    let role: String?
    let password: String?
    enum CodingKeys: String, CodingKey { case csrf = "_csrf", email, displayName = "display_name", role, password }
    var kept: [String: String] { ["email": trimmed(email), "display_name": trimmed(displayName)] }
}

struct PasswordForm: StudioForm {
    let csrf: String?
    let password: String?
    enum CodingKeys: String, CodingKey { case csrf = "_csrf", password }
}
