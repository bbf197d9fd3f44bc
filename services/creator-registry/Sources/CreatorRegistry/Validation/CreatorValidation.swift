import Foundation
import LumaRPC
import LumaValues

/// Field rules for users and creators. Each failure is INVALID_ARGUMENT naming the field.
enum CreatorValidation {
    /// A pragmatic address check (RFC 5321 lengths, one '@', a dotted domain of letters, digits
    /// and hyphens); deliverability is the mail system's business. Returns it lower-cased.
    static func email(_ value: String) throws -> String {
        let email = value.trimmingCharacters(in: .whitespaces).lowercased()
        let field = "email"
        guard !email.isEmpty else { throw RPCError.invalidArgument("email is required", field: field) }
        guard email.count <= 254 else { throw RPCError.invalidArgument("email is too long (at most 254 characters)", field: field) }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else {
            throw RPCError.invalidArgument("'\(email.prefix(60))' is not an email address", field: field)
        }
        let localAllowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: ".!#$%&'*+/=?^_`{|}~-"))
        guard parts[0].unicodeScalars.allSatisfy({ $0.isASCII && localAllowed.contains($0) }),
              !parts[0].hasPrefix("."), !parts[0].hasSuffix("."), !parts[0].contains("..") else {
            throw RPCError.invalidArgument("'\(email.prefix(60))' is not an email address", field: field)
        }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }), labels.last!.count >= 2, labels.last!.allSatisfy(\.isLetter) else {
            throw RPCError.invalidArgument("'\(email.prefix(60))' is not an email address (bad domain)", field: field)
        }
        return email
    }

    static func displayName(_ value: String, field: String = "display_name") throws -> String {
        let name = try Validate.text(value, field: field, max: 100)
        guard !name.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
            throw RPCError.invalidArgument("\(field) must not contain control characters", field: field)
        }
        return name
    }

    /// ISO 639-1 codes, lower-cased, de-duplicated in order; empty means ["en"].
    static func languages(_ values: [String]) throws -> [String] {
        if values.isEmpty { return ["en"] }
        guard values.count <= 20 else { throw RPCError.invalidArgument("at most 20 languages", field: "languages") }
        var seen: [String] = []
        for raw in values {
            let code = raw.trimmingCharacters(in: .whitespaces).lowercased()
            guard iso639_1.contains(code) else {
                throw RPCError.invalidArgument("unknown language code '\(raw.prefix(20))' (expected ISO 639-1, e.g. 'en', 'es')", field: "languages")
            }
            if !seen.contains(code) { seen.append(code) }
        }
        return seen
    }

    /// A creator films at least one mode.
    static func modes(canBible: Bool, canPositivity: Bool) throws {
        guard canBible || canPositivity else {
            throw RPCError.invalidArgument("a creator films at least one mode: set can_bible or can_positivity (or both)", field: "can_bible")
        }
    }

    static func capacity(_ value: Int64) throws -> Int {
        guard value >= 0 else {
            throw RPCError.invalidArgument("monthly_capacity must be 0 or more, not \(value)", field: "monthly_capacity")
        }
        guard value <= 1000 else {
            throw RPCError.invalidArgument("monthly_capacity must be at most 1000 (one a day is 31)", field: "monthly_capacity")
        }
        return Int(value)
    }

    /// avatar_voice_id: optional for AI creators (the vendor's voice id), refused for humans.
    static func voice(isAI: Bool, voiceID: String) throws -> String? {
        let voice = voiceID.trimmingCharacters(in: .whitespaces)
        guard !voice.isEmpty else { return nil }
        guard isAI else {
            throw RPCError.invalidArgument("avatar_voice_id is only for AI creators (is_ai is false)", field: "avatar_voice_id")
        }
        guard voice.count <= 100, voice.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) }) else {
            throw RPCError.invalidArgument("avatar_voice_id must be 1-100 letters, digits, '-' or '_'", field: "avatar_voice_id")
        }
        return voice
    }

    /// heygen_avatar_id is required for AI creators and refused for humans.
    static func avatar(isAI: Bool, avatarID: String) throws -> String? {
        let avatar = avatarID.trimmingCharacters(in: .whitespaces)
        if isAI {
            guard !avatar.isEmpty else {
                throw RPCError.invalidArgument("heygen_avatar_id is required for an AI creator", field: "heygen_avatar_id")
            }
            guard avatar.count <= 100, avatar.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) }) else {
                throw RPCError.invalidArgument("heygen_avatar_id must be 1-100 letters, digits, '-' or '_'", field: "heygen_avatar_id")
            }
            return avatar
        }
        guard avatar.isEmpty else {
            throw RPCError.invalidArgument("heygen_avatar_id is only for AI creators (is_ai is false)", field: "heygen_avatar_id")
        }
        return nil
    }
}

import LumaServiceKit
