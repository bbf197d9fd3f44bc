import ArgumentParser
import ContentPipeline
import ContentPipelineAdapters
import Foundation
import LumaRPC
import NIOCore

/// How AI creators' videos are rendered: HeyGen's API (key from LUMA_HEYGEN_API_KEY), the
/// voice per language. Without a key, assigning an item to an AI creator is refused.
struct AvatarOptions: ParsableArguments {
    @Option(help: "The avatar vendor's API base (HeyGen's, or luma-fake-heygen's for a local stack); the key comes from LUMA_HEYGEN_API_KEY.")
    var avatarURL = "https://api.heygen.com"

    @Option(help: "The vendor voice per language, LANG=VOICE_ID[,LANG=VOICE_ID] (a creator's own voice wins).")
    var avatarVoices = ""

    @Option(help: "Seconds to wait for one answer from the avatar vendor.")
    var avatarTimeout = 30

    @Option(help: "Seconds a video may render at the vendor before its job fails (the admin can retry).")
    var renderTimeout = 1800

    func validate() throws {
        do { _ = try RenderingSetup.voices(avatarVoices) } catch let error as RPCError { throw ValidationError(error.message) }
        guard avatarTimeout > 0, renderTimeout > 0 else { throw ValidationError("--avatar-timeout and --render-timeout must be more than 0 seconds") }
    }

    /// The rendering setup, or nil without LUMA_HEYGEN_API_KEY.
    func rendering() throws -> ContentPipelineAssembly.Rendering? {
        guard let key = ProcessInfo.processInfo.environment["LUMA_HEYGEN_API_KEY"], !key.isEmpty else { return nil }
        var configuration = HeyGenVendor.Configuration(baseURL: avatarURL, apiKey: key)
        configuration.timeout = .seconds(Int64(avatarTimeout))
        let vendor: HeyGenVendor
        do {
            vendor = try HeyGenVendor(configuration: configuration)
        } catch let error as VendorError {
            throw ValidationError(error.message)
        }
        var worker = RenderWorker.Configuration()
        worker.renderTimeout = Double(renderTimeout)
        return .init(vendor: vendor, voices: try RenderingSetup.voices(avatarVoices), worker: worker)
    }
}
