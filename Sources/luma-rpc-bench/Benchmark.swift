import ArgumentParser
import Foundation
import LumaEcho
import LumaRPC
import LumaRPCNIO
import NIOCore
import NIOPosix

/// Measures Luma RPC against a raw SwiftNIO length-prefixed echo of the same bytes.
/// Build and run in release: `swift run -c release luma-rpc-bench`. Results: docs/benchmarks.md.
@main
struct RPCBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "luma-rpc-bench",
        abstract: "Unary call latency and throughput vs a raw NIO echo; server memory.")

    @Option(help: "Calls per scenario and round.")
    var calls = 30_000

    @Option(name: .customLong("rounds"), help: "Rounds per scenario; the median is reported.")
    var rounds3 = 5

    @Option(help: "Request text size in bytes.")
    var payloadBytes = 64

    @Option(help: "Idle connections opened for the memory scenario.")
    var idleConnections = 1000

    @Option(help: "Run only 'floor' or 'rpc' (one round, no ratio), only the 'server'-alone comparison (for profiling with perf or callgrind), or only the real 'methods' of verse-registry and content-pipeline against the raw echo, or 'tls': Luma RPC over mutual TLS against plain TCP.")
    var only: Side?

    @Option(name: .customLong("in-flight"), parsing: .upToNextOption, help: "Calls in flight per scenario.")
    var scenarios: [Int] = [1, 64]

    @Option(help: "Calls per block: within a round, floor and RPC alternate every block (at least 100 per call in flight).")
    var blockCalls = 1000

    @Flag(help: "Print every round's numbers.")
    var verbose = false

    enum Side: String, ExpressibleByArgument { case floor, rpc, server, methods, tls }

    func run() async throws {
        // One loop for the servers and one for the clients, the same for floor and RPC, so
        // both run with the same thread placement (as separate processes would).
        let serverGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let clientGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let group = clientGroup
        let request = Luma_Examples_V1_EchoRequest.with { $0.text = String(repeating: "x", count: payloadBytes) }

        // The exact bytes an RPC client writes for this call; the floor echoes these.
        var frame = Luma_Rpc_V1_Frame()
        frame.request.callID = 1
        frame.request.method = Luma_Examples_V1_EchoService.Method.echo.descriptor.fullName
        frame.request.timeoutMicros = 30_000_000
        frame.request.payload = try request.serializedData()
        let frameBody: [UInt8] = try frame.serializedBytes()
        var wire = ByteBuffer()
        wire.writeInteger(UInt32(frameBody.count))
        wire.writeBytes(frameBody)
        let wireFrame = wire

        let rawServer = try await RawEcho.startServer(group: serverGroup)
        let rawClient = try await RawEcho.Client(port: rawServer.localAddress!.port!, group: clientGroup)
        let server = RPCServer(configuration: .init(port: 0), services: [EchoService()], group: serverGroup)
        let address = try await server.start()
        let client = RPCClient(endpoints: [RPCEndpoint(host: "127.0.0.1", port: address.port!)], group: clientGroup)
        let echo = Luma_Examples_V1_EchoService.Method.echo

        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB; frame \(wireFrame.readableBytes) bytes; \(calls) calls per scenario")
        // Warm up both paths (connections, allocator caches).
        _ = try await measure("warm-up", calls: 2000, concurrency: 8) { try await rawClient.call(wireFrame) }
        _ = try await measure("warm-up", calls: 2000, concurrency: 8) { _ = try await client.call(echo, request) }

        if only == .tls {
            try await TLSCost(calls: calls, rounds: rounds3, inFlight: scenarios, blockCalls: blockCalls,
                              serverGroup: serverGroup, clientGroup: clientGroup, plain: client).run()
            return
        }
        if only == .methods {
            try await RealMethods(calls: calls, rounds: rounds3, inFlight: scenarios, group: clientGroup, rawPort: rawServer.localAddress!.port!).run()
            return
        }
        if only == .server {
            try await measureServerAlone(rawPort: rawServer.localAddress!.port!, lumaPort: address.port!, template: frame, group: clientGroup)
        } else if let only {
            // One side only, no ratio: for perf or callgrind.
            for concurrency in scenarios {
                let result = only == .floor
                    ? try await measure("raw NIO echo, \(concurrency) in flight", calls: calls, concurrency: concurrency) {
                        try await rawClient.call(wireFrame)
                    }
                    : try await measure("Luma RPC, \(concurrency) in flight", calls: calls, concurrency: concurrency) {
                        _ = try await client.call(echo, request)
                    }
                print(result.summary)
            }
        }

        // Floor and RPC alternate for several rounds; the round with the median ratio is
        // reported, which keeps one noisy round (a VM neighbour, a GC-like pause) out. Within a
        // round they also alternate in blocks of calls, so that a slow stretch of the machine
        // (which on a shared VM lasts seconds) falls on both sides rather than on one.
        for concurrency in only == nil ? scenarios : [] {
            var rounds: [(floor: Measurement, rpc: Measurement)] = []
            let block = min(calls, max(blockCalls, concurrency * 100))
            for _ in 0..<rounds3 {
                var floor = Measurement(name: "raw NIO echo, \(concurrency) in flight")
                var rpc = Measurement(name: "Luma RPC, \(concurrency) in flight")
                for _ in 0..<max(1, calls / block) {
                    floor.append(try await measure(floor.name, calls: block, concurrency: concurrency) {
                        try await rawClient.call(wireFrame)
                    })
                    rpc.append(try await measure(rpc.name, calls: block, concurrency: concurrency) {
                        _ = try await client.call(echo, request)
                    })
                }
                rounds.append((floor, rpc))
                if verbose {
                    print(String(format: "  round %d: floor p50 %.1f us %.0f calls/s, rpc p50 %.1f us %.0f calls/s", rounds.count,
                                 floor.percentile(0.5), floor.callsPerSecond, rpc.percentile(0.5), rpc.callsPerSecond))
                }
            }
            let ratio: ((floor: Measurement, rpc: Measurement)) -> Double = concurrency == 1
                ? { $0.rpc.percentile(0.5) / $0.floor.percentile(0.5) }
                : { $0.rpc.callsPerSecond / $0.floor.callsPerSecond }
            let median = rounds.sorted { ratio($0) < ratio($1) }[rounds.count / 2]
            print(median.floor.summary)
            print(median.rpc.summary)
            if concurrency == 1 {
                print(String(format: "p50 latency, 1 in flight: %.2fx the floor (target <= 1.5x); rounds: %@", ratio(median),
                             rounds.map { String(format: "%.2f", ratio($0)) }.joined(separator: " ")))
            } else {
                print(String(format: "throughput, %d in flight: %.2f of the floor (target >= 0.5); rounds: %@", concurrency, ratio(median),
                             rounds.map { String(format: "%.2f", ratio($0)) }.joined(separator: " ")))
            }
        }

        if only == nil {
            try await measureServerAlone(rawPort: rawServer.localAddress!.port!, lumaPort: address.port!, template: frame, group: clientGroup)
        }

        await client.close()
        await server.shutdown()
        try await rawClient.channel.close()
        try await rawServer.close()

        try await measureServerMemory(group: group)
    }

    /// The servers alone: the same pipelined ChannelHandler client (no task, promise or thread
    /// hop per call) against the raw echo and against the Luma server, alternating in blocks.
    func measureServerAlone(rawPort: Int, lumaPort: Int, template: Luma_Rpc_V1_Frame, group: any EventLoopGroup) async throws {
        for concurrency in scenarios {
            let frames = try PipelinedClient.framed(template, count: concurrency)
            let block = min(calls, max(blockCalls, concurrency * 100))
            var rounds: [(floor: [Int64], floorRate: Double, luma: [Int64], lumaRate: Double)] = []
            for _ in 0..<rounds3 {
                var floor: [Int64] = [], luma: [Int64] = [], floorTime: UInt64 = 0, lumaTime: UInt64 = 0
                for _ in 0..<max(1, calls / block) {
                    let f = try await PipelinedClient.run(port: rawPort, frames: frames, total: block, luma: false, group: group)
                    let l = try await PipelinedClient.run(port: lumaPort, frames: frames, total: block, luma: true, group: group)
                    floor += f.latencies; floorTime += f.nanoseconds
                    luma += l.latencies; lumaTime += l.nanoseconds
                }
                rounds.append((floor.sorted(), Double(floor.count) / Double(floorTime) * 1e9,
                               luma.sorted(), Double(luma.count) / Double(lumaTime) * 1e9))
            }
            let p50 = { (values: [Int64]) in Double(values[values.count / 2]) / 1000 }
            if concurrency == 1 {
                let ratios = rounds.map { p50($0.luma) / p50($0.floor) }
                let median = rounds.sorted { p50($0.luma) / p50($0.floor) < p50($1.luma) / p50($1.floor) }[rounds.count / 2]
                print(String(format: "server alone, 1 in flight: raw echo p50 %.1f us, Luma p50 %.1f us: %.2fx the floor (target <= 1.3x); rounds: %@",
                             p50(median.floor), p50(median.luma), p50(median.luma) / p50(median.floor),
                             ratios.map { String(format: "%.2f", $0) }.joined(separator: " ")))
            } else {
                let ratios = rounds.map { $0.lumaRate / $0.floorRate }
                let median = rounds.sorted { $0.lumaRate / $0.floorRate < $1.lumaRate / $1.floorRate }[rounds.count / 2]
                print(String(format: "server alone, %d in flight: raw echo %.0f calls/s, Luma %.0f calls/s: %.2f of the floor (target >= 0.5); rounds: %@",
                             concurrency, median.floorRate, median.lumaRate, median.lumaRate / median.floorRate,
                             ratios.map { String(format: "%.2f", $0) }.joined(separator: " ")))
            }
        }
    }

    /// Starts `luma-echo` (built beside this binary) as its own process, reads its RSS idle,
    /// then with `idleConnections` connections open.
    func measureServerMemory(group: any EventLoopGroup) async throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("luma-echo")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            print("memory: skipped (build luma-echo too: swift build -c release)")
            return
        }
        let probe = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = probe.localAddress!.port!
        try await probe.close()

        let process = Process()
        process.executableURL = binary
        process.arguments = ["--port", "\(port)"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { process.terminate() }
        let endpoint = RPCEndpoint(host: "127.0.0.1", port: port)
        let health = Luma_Rpc_V1_HealthClient(RPCClient(endpoint: endpoint))
        for _ in 0..<100 {
            if (try? await health.check(.init()).status) == .serving { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .milliseconds(500))
        let idle = residentMemoryBytes(pid: process.processIdentifier)

        var connections: [any Channel] = []
        for _ in 0..<idleConnections {
            let channel = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get()
            try await channel.writeAndFlush(ByteBuffer(bytes: ConnectionPreface.bytes))
            connections.append(channel)
        }
        try await Task.sleep(for: .milliseconds(500))
        let loaded = residentMemoryBytes(pid: process.processIdentifier)
        let mib = { (bytes: Int) in String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
        print("server RSS idle: \(mib(idle)) (target < 30 MiB)")
        print("server RSS with \(idleConnections) idle connections: \(mib(loaded)), +\(mib(loaded - idle)) (target < 50 MiB)")
        for channel in connections { try? await channel.close() }
    }
}
