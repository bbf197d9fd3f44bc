import Foundation
import NIOCore
import NIOPosix
import Testing

/// At the process' file-descriptor limit a server must pause accepting, not spin: a real
/// luma-echo process under `ulimit -n`, its limit exhausted by idle connections, must not
/// burn a core while more connections wait in its backlog.
@Suite("Accept backoff at the fd limit")
struct AcceptBackoffTests {
    /// CPU ticks (user + system) the process has used, from /proc.
    func cpuTicks(_ pid: Int32) throws -> Int {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        let fields = stat[stat.range(of: ")")!.upperBound...].split(separator: " ")
        return Int(fields[11])! + Int(fields[12])!   // utime, stime (fields 14 and 15 of the line)
    }

    @Test func aServerOutOfFileDescriptorsDoesNotSpin() async throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("luma-echo").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -n 48 && exec \"$0\" --port 0 2>/dev/null", binary]
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        defer { process.terminate() }
        // Port 0: the server says where it listens ("luma-echo listening on HOST:PORT").
        let line = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String, any Error>) in
            Thread.detachNewThread {
                var text = ""
                while !text.contains("\n") {
                    let data = stdout.fileHandleForReading.availableData
                    if data.isEmpty { break }
                    text += String(decoding: data, as: UTF8.self)
                }
                continuation.resume(returning: text)
            }
        }
        let port = try #require(line.split(separator: "\n").first?.split(separator: ":").last.flatMap { Int($0) })

        let group = MultiThreadedEventLoopGroup.singleton
        var channels: [any Channel] = []
        defer { for channel in channels { channel.close(promise: nil) } }
        for _ in 0..<80 {
            if let channel = try? await ClientBootstrap(group: group).connectTimeout(.seconds(1)).connect(host: "127.0.0.1", port: port).get() {
                channels.append(channel)
            }
        }
        // Connections beyond the limit sit in the backlog; the server keeps failing to accept.
        let before = try cpuTicks(process.processIdentifier)
        try await Task.sleep(for: .seconds(1))
        let used = try cpuTicks(process.processIdentifier) - before
        // A spinning loop uses a whole core: ~100 ticks a second. Backing off uses almost none.
        #expect(used < 30, "the server used \(used) CPU ticks in one second at its fd limit")
    }
}
