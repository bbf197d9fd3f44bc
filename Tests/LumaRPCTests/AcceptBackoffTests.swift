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
        let port = Int.random(in: 20_000...40_000)
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("luma-echo").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -n 48 && exec \"$0\" --port \(port) 2>/dev/null", binary]
        try process.run()
        defer { process.terminate() }

        let group = MultiThreadedEventLoopGroup.singleton
        var channels: [any Channel] = []
        defer { for channel in channels { channel.close(promise: nil) } }
        // Wait for the listener, then open more connections than the server has descriptors.
        var connected = false
        for _ in 0..<200 where !connected {
            if let channel = try? await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get() {
                channels.append(channel)
                connected = true
            } else {
                try await Task.sleep(for: .milliseconds(25))
            }
        }
        #expect(connected)
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
