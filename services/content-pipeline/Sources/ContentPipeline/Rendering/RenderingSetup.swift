import CreatorsAPI
import Foundation
import LumaRPC

/// What content-pipeline knows about rendering AI creators' videos: whether a vendor is
/// configured (a key given), which voice speaks each language, and how to wake the worker.
public struct RenderingSetup: Sendable {
    /// The vendor's name ("heygen"); nil when no vendor is configured (no API key).
    public var vendor: String?
    /// Voice per language (--avatar-voices en=VOICE_ID,es=VOICE_ID); a creator's own voice wins.
    public var voices: [String: String]
    /// Tells the worker a job was queued or retried.
    public var wake: @Sendable () -> Void

    public init(vendor: String?, voices: [String: String] = [:], wake: @escaping @Sendable () -> Void = {}) {
        self.vendor = vendor
        self.voices = voices
        self.wake = wake
    }

    public static let none = RenderingSetup(vendor: nil)

    /// The avatar and voice an AI creator's video for `language` is rendered with, or why it
    /// cannot be (named on the assign call's `creator_id`).
    func renderer(for creator: Luma_Creators_V1_Creator, language: String) throws -> (vendor: String, avatar: String, voice: String) {
        guard let vendor else {
            throw RPCError.failedPrecondition(
                "creator \(creator.id) (\(creator.displayName)) is an AI creator, and this content-pipeline cannot render videos: "
                    + "set LUMA_HEYGEN_API_KEY (and --avatar-url for another endpoint) and restart it, or assign a person",
                field: "creator_id")
        }
        let voice = creator.avatarVoiceID.isEmpty ? voices[language] : creator.avatarVoiceID
        guard let voice, !voice.isEmpty else {
            throw RPCError.failedPrecondition(
                "no \(vendor) voice for language '\(language)': give content-pipeline --avatar-voices \(language)=VOICE_ID, "
                    + "or set creator \(creator.id)'s voice (lumactl creators update \(creator.id) --voice VOICE_ID)",
                field: "creator_id")
        }
        return (vendor, creator.heygenAvatarID, voice)
    }

    /// Why an AI creator cannot be assigned an item in `language` here, in words; nil if it can.
    func cannotRender(_ creator: Luma_Creators_V1_Creator, language: String) -> String? {
        do {
            _ = try renderer(for: creator, language: language)
            return nil
        } catch let error as RPCError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    /// Parses `LANG=VOICE_ID,LANG=VOICE_ID`.
    public static func voices(_ text: String) throws -> [String: String] {
        var voices: [String: String] = [:]
        for pair in text.split(separator: ",") where !pair.trimmingCharacters(in: .whitespaces).isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[0].count == 2, parts[0].allSatisfy({ $0.isASCII && $0.isLetter }), !parts[1].isEmpty else {
                throw RPCError.invalidArgument("--avatar-voices takes LANG=VOICE_ID pairs separated by commas (en=abc123,es=def456), not '\(pair)'",
                                               field: "avatar-voices")
            }
            voices[parts[0].lowercased()] = parts[1]
        }
        return voices
    }
}
