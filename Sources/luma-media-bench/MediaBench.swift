import ArgumentParser
import Foundation
import LumaRPC
import LumaRPCNIO
import LumaSupervisor
import MediaAPI
import MediaClient

/// Upload throughput through media-store's chunk protocol, against copying the same file on the
/// same disk, in one run: a vertical video of about `--size-mb` MB made with ffmpeg, uploaded
/// `--rounds` times (each a new owner, so each sends every byte) to a media-store process next
/// to this executable. Reports the chunk transfer (StartUpload to the last AppendChunk) and the
/// finish (sha256, ffprobe, reading to the end, thumbnail) separately. docs/benchmarks.md.
@main
struct MediaBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "luma-media-bench", abstract: "Upload throughput through media-store's chunk protocol against a local copy.")

    @Option(help: "Approximate size of the test video in MB (ffmpeg, lossless H.264, 1080x1920).")
    var sizeMB = 200

    @Option(help: "Uploads to time.")
    var rounds = 3

    func run() async throws {
        let directory = temporaryDirectory()
        let video = directory + "/bench.mp4"
        // Lossless testsrc2 at 1080x1920 is about 4.3 MB a second.
        let seconds = max(6, min(85, Int((Double(sizeMB) / 4.3).rounded())))
        let ffmpeg = Process()
        ffmpeg.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        ffmpeg.arguments = [
            "ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1080x1920:rate=30", "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", "\(seconds)", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", video,
        ]
        try ffmpeg.run()
        ffmpeg.waitUntilExit()
        guard ffmpeg.terminationStatus == 0 else { throw ValidationError("ffmpeg failed (is Debian's ffmpeg installed?)") }
        let size = try FileManager.default.attributesOfItem(atPath: video)[.size] as? Int ?? 0
        print("file: \(String(format: "%.1f", Double(size) / 1e6)) MB, \(seconds) s of 1080x1920 H.264 + AAC")

        let store = try await ServiceProcess("media-store", [
            "--insecure-dev", "--db", directory + "/media.sqlite", "--media-dir", directory + "/media", "--log-level", "warning",
            "--content", "127.0.0.1:1",
        ])
        defer { store.terminate() }
        let client = RPCClient(endpoint: store.endpoint)
        let uploader = MediaUploader(client: client)

        var copies: [Double] = [], transfers: [Double] = [], finishes: [Double] = []
        for round in 1...rounds {
            let copyStart = ContinuousClock.now
            try FileManager.default.copyItem(atPath: video, toPath: directory + "/copy-\(round).mp4")
            try Self.sync(directory + "/copy-\(round).mp4")
            copies.append(Self.seconds(ContinuousClock.now - copyStart))
            try FileManager.default.removeItem(atPath: directory + "/copy-\(round).mp4")

            let start = ContinuousClock.now
            let transferred = Box()
            _ = try await uploader.upload(path: video, kind: .video, owner: Int64(round)) { stored, total in
                if stored == total, transferred.at == nil { transferred.at = ContinuousClock.now }
            }
            let end = ContinuousClock.now
            let sent = transferred.at ?? end
            transfers.append(Self.seconds(sent - start))
            finishes.append(Self.seconds(end - sent))
        }
        let mb = Double(size) / 1e6
        func report(_ label: String, _ times: [Double]) {
            let best = times.min()!, median = times.sorted()[times.count / 2]
            print(String(format: "%@ median %.2f s (%.0f MB/s), best %.2f s (%.0f MB/s)", label.padding(toLength: 34, withPad: " ", startingAt: 0),
                         median, mb / median, best, mb / best))
        }
        report("local copy (cp + fsync)", copies)
        report("upload: chunks (1 MiB each)", transfers)
        report("upload: finish (sha256, checks)", finishes)
        report("upload: total", zip(transfers, finishes).map(+))
        let ratio = (transfers.sorted()[transfers.count / 2]) / (copies.sorted()[copies.count / 2])
        print(String(format: "chunk transfer / local copy: %.2fx the time", ratio))
        await client.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func sync(_ path: String) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.synchronize()
        try handle.close()
    }
}

/// When the last chunk was acknowledged (set from the progress callback).
final class Box: @unchecked Sendable {
    private let lock = NSLock()
    private var value: ContinuousClock.Instant?
    var at: ContinuousClock.Instant? {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
