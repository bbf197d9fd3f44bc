import ArgumentParser
import Dispatch
import FakeHeyGen
import Foundation
import LumaSupervisor

/// A fake HeyGen video API on a local port: AI creators render without a HeyGen account
/// (`lumactl up`), and tests drive the render worker against it. See `FakeHeyGenServer`.
@main
struct FakeHeyGenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "luma-fake-heygen",
        abstract: "Serve a fake HeyGen video API (generate, video_status.get, video.list, file downloads).",
        discussion: """
            Avatar ids starting with fail- end their render failed; missing- avatars (or voices) are \
            refused by generate with HTTP 400 invalid_parameter. Completed videos point at one real \
            6 s vertical H.264/AAC MP4 (and JPEG thumbnail) made with ffmpeg on the first completion.
            """)

    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free one).")
    var listen = "127.0.0.1:0"

    @Option(help: "The only X-Api-Key accepted (default: any non-empty key).")
    var apiKey: String?

    @Option(help: "The status poll that answers completed (or failed); earlier polls answer pending, then processing.")
    var polls = 2

    @Option(help: "Videos generate creates before answering HTTP 402 insufficient_credit (default: unlimited).")
    var quota: Int?

    @Option(help: "Milliseconds waited before every answer.")
    var delayMs = 0

    @Flag(help: "Accept connections and requests but never answer (client timeouts).")
    var silent = false

    @Flag(help: "Send each answer's head and half its body, then stall (client body timeouts).")
    var stallBodies = false

    @Option(help: "The first N API calls answer HTTP 500 internal_error.")
    var serverErrors = 0

    @Option(help: "The sample video's size, WIDTHxHEIGHT (vertical).")
    var videoSize = "540x960"

    @Option(help: "Directory for the sample video and thumbnail, kept and reused (default: a temporary one, removed on exit).")
    var mediaDir: String?

    @Flag(help: "video.list entries without callback_id (only the fields HeyGen's reference documents).")
    var listWithoutCallbackId = false

    func validate() throws {
        guard parseListen() != nil else { throw ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:0") }
        guard parseSize() != nil else { throw ValidationError("--video-size must be WIDTHxHEIGHT with even numbers, e.g. 540x960") }
        guard polls >= 0, delayMs >= 0, serverErrors >= 0, (quota ?? 0) >= 0 else {
            throw ValidationError("--polls, --quota, --delay-ms and --server-errors take numbers >= 0")
        }
    }

    func parseListen() -> (String, Int)? {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        let host = String(listen[..<colon])
        return host.isEmpty ? nil : (host, port)
    }

    func parseSize() -> (Int, Int)? {
        let parts = videoSize.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts.allSatisfy({ $0 > 0 && $0 % 2 == 0 }) else { return nil }
        return (parts[0], parts[1])
    }

    func run() async throws {
        let (host, port) = parseListen()!
        let (width, height) = parseSize()!
        var scenario = FakeHeyGenScenario()
        scenario.host = host
        scenario.port = port
        scenario.apiKey = apiKey
        scenario.pollsToComplete = polls
        scenario.quota = quota
        scenario.delayMilliseconds = delayMs
        scenario.silent = silent
        scenario.serverErrors = serverErrors
        scenario.stallBodies = stallBodies
        scenario.videoWidth = width
        scenario.videoHeight = height
        scenario.mediaDirectory = mediaDir
        scenario.listIncludesCallbackID = !listWithoutCallbackId

        ParentWatch.startIfRequested()
        let server = FakeHeyGenServer(scenario: scenario)
        let bound = try await server.start()
        // One line on stdout, as the Luma services print it (ServiceProcess waits for it).
        FileHandle.standardOutput.write(Data("luma-fake-heygen listening on \(host):\(bound)\n".utf8))

        // Until SIGTERM or SIGINT; then the listener closes and the temporary media go.
        let signals = [SIGTERM, SIGINT].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            return DispatchSource.makeSignalSource(signal: number, queue: .global())
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = OnceFlag()
            for source in signals {
                source.setEventHandler { if once.set() { continuation.resume() } }
                source.resume()
            }
        }
        await server.stop()
    }
}

/// True the first time only.
final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    func set() -> Bool {
        lock.lock(); defer { lock.unlock() }
        if done { return false }
        done = true
        return true
    }
}
