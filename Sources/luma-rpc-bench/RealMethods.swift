import ContentAPI
import Foundation
import LumaAuth
import LumaRPC
import LumaRPCNIO
import LumaSupervisor
import NIOCore
import NIOPosix
import SwiftProtobuf
import VersesAPI

/// Real methods on real services, the servers alone: verse-registry and content-pipeline as
/// the release executables beside this one, started as an operator runs them (an auth key,
/// `--metrics-listen`) and again with a layer off (`--insecure-dev`: no auth; no metrics), each
/// measured with the same pipelined client as the raw echo, in the same run (issue 29's table;
/// docs/benchmarks.md).
struct RealMethods {
    let calls: Int
    let rounds: Int
    let inFlight: [Int]
    let group: any EventLoopGroup
    let rawPort: Int

    struct Variant {
        let name: String
        let auth: Bool
        let metrics: Bool
        /// Interceptor types left out (`LUMA_BENCH_SKIP_INTERCEPTORS`).
        var skipped: [String] = []
    }

    /// Production (every layer), then each layer off in turn, then none.
    static let variants = [
        Variant(name: "production", auth: true, metrics: true),
        Variant(name: "no metrics", auth: true, metrics: false),
        Variant(name: "no auth", auth: false, metrics: true),
        Variant(name: "no tracing", auth: true, metrics: true, skipped: ["TracingServerInterceptor"]),
        Variant(name: "no database statuses", auth: true, metrics: true, skipped: ["DatabaseStatusInterceptor"]),
        Variant(name: "no layer", auth: false, metrics: false, skipped: ["TracingServerInterceptor", "DatabaseStatusInterceptor"]),
    ]

    func run() async throws {
        let directory = temporaryDirectory()
        let keyPath = try AuthKeyFile.create(at: directory + "/auth.key")
        let token = try TokenSigner(key: try AuthKeyFile.read(keyPath)).mint(Principal(subject: "bench", role: .admin), ttl: 86_400)
        print("real methods, servers alone (same pipelined client as the raw echo; release executables):")
        print("| method | layers | p50, 1 in flight | calls/s, 64 in flight | of the raw echo (p50 ratio / throughput ratio) |")
        print("|---|---|---|---|---|")
        for (index, variant) in Self.variants.enumerated() {
            let data = directory + "/variant-\(index)"
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            let verses = try await VerseTemplate.path()
            try FileManager.default.copyItem(atPath: verses, toPath: data + "/verses.sqlite")
            let contentPort = try await reservePort()
            func flags(_ service: String) async throws -> [String] {
                var flags = ["--db", "\(data)/\(service).sqlite", "--log-level", "error"]
                flags += variant.auth ? ["--auth-key", keyPath] : ["--insecure-dev"]
                if variant.metrics { flags += ["--metrics-listen", "127.0.0.1:\(try await reservePort())"] }
                return flags
            }
            let environment = variant.skipped.isEmpty ? [:] : ["LUMA_BENCH_SKIP_INTERCEPTORS": variant.skipped.joined(separator: ",")]
            let versesProcess = try await ServiceProcess("verse-registry", try await flags("verses") + ["--content", "127.0.0.1:\(contentPort)"],
                                                         environment: environment)
            let content = try await ServiceProcess("content-pipeline", try await flags("content") + [
                "--verses", versesProcess.endpoint.description, "--creators", "127.0.0.1:1", "--media", "127.0.0.1:1",
            ], listen: contentPort, environment: environment)
            // A week of content, so Get and List read real rows.
            var configuration = RPCClient.Configuration()
            if variant.auth { configuration.interceptors = [AuthClientInterceptor(token: token)] }
            let pipeline = Luma_Content_V1_ContentPipelineClient(RPCClient(endpoints: [content.endpoint], configuration: configuration, group: group))
            _ = try await pipeline.plan(.with { $0.fromDate = "2027-01-04"; $0.toDate = "2027-01-10" })
            _ = try await pipeline.generate(.with { $0.range = .with { $0.fromDate = "2027-01-04"; $0.toDate = "2027-01-10" } })

            let metadata = variant.auth ? ["authorization": "Bearer \(token)"] : [:]
            let methods: [(String, Int, String, any SwiftProtobuf.Message)] = [
                ("ValidateReference \"John 3:16\"", versesProcess.endpoint.port, Luma_Verses_V1_VerseRegistryService.Method.validateReference.descriptor.fullName,
                 Luma_Verses_V1_ValidateReferenceRequest.with { $0.reference = "John 3:16" }),
                ("GetPassage \"John 3:16\"", versesProcess.endpoint.port, Luma_Verses_V1_VerseRegistryService.Method.getPassage.descriptor.fullName,
                 Luma_Verses_V1_GetPassageRequest.with { $0.reference = "John 3:16" }),
                ("content Get id 1", content.endpoint.port, Luma_Content_V1_ContentPipelineService.Method.get.descriptor.fullName,
                 Luma_Content_V1_GetContentRequest.with { $0.id = 1 }),
                ("content List (a week)", content.endpoint.port, Luma_Content_V1_ContentPipelineService.Method.list.descriptor.fullName,
                 Luma_Content_V1_ListContentRequest.with { $0.fromDate = "2027-01-04"; $0.toDate = "2027-01-10" }),
            ]
            for (label, port, method, request) in methods {
                var template = Luma_Rpc_V1_Frame()
                template.request.method = method
                template.request.timeoutMicros = 30_000_000
                template.request.metadata = metadata
                template.request.payload = try request.serializedData()
                var cells: [String] = []
                var ratios: [String] = []
                for concurrency in inFlight {
                    let (floor, real) = try await compare(template: template, port: port, concurrency: concurrency)
                    if concurrency == 1 {
                        cells.append(String(format: "%.0f us", real.p50))
                        ratios.append(String(format: "%.2fx", real.p50 / floor.p50))
                    } else {
                        cells.append(String(format: "%.0f", real.rate))
                        ratios.append(String(format: "%.3f", real.rate / floor.rate))
                    }
                }
                print("| \(label) | \(variant.name) | \(cells.first ?? "-") | \(cells.dropFirst().first ?? "-") | \(ratios.joined(separator: " / ")) |")
            }
            versesProcess.terminate()
            content.terminate()
            await versesProcess.wait(upTo: .seconds(10))
            await content.wait(upTo: .seconds(10))
        }
        try await instances(directory: directory, keyPath: keyPath, token: token)
    }

    /// A hot row (GetPassage "John 3:16", production flags) from one verse-registry and from two
    /// on the same database file, 64 calls in flight in all: one connection to one instance,
    /// two connections to one instance, one connection to each of two instances.
    func instances(directory: String, keyPath: String, token: String) async throws {
        let data = directory + "/instances"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: try await VerseTemplate.path(), toPath: data + "/verses.sqlite")
        var started: [ServiceProcess] = []
        for _ in 0..<2 {
            started.append(try await ServiceProcess("verse-registry", [
                "--db", data + "/verses.sqlite", "--log-level", "error", "--auth-key", keyPath,
                "--metrics-listen", "127.0.0.1:\(try await reservePort())", "--content", "127.0.0.1:1",
            ]))
        }
        var template = Luma_Rpc_V1_Frame()
        template.request.method = Luma_Verses_V1_VerseRegistryService.Method.getPassage.descriptor.fullName
        template.request.timeoutMicros = 30_000_000
        template.request.metadata = ["authorization": "Bearer \(token)"]
        template.request.payload = try Luma_Verses_V1_GetPassageRequest.with { $0.reference = "John 3:16" }.serializedData()
        let ports = started.map(\.endpoint.port)
        let half = try PipelinedClient.framed(template, count: 32), whole = try PipelinedClient.framed(template, count: 64)
        _ = try await PipelinedClient.run(port: ports[0], frames: whole, total: 1000, luma: true, group: group)
        _ = try await PipelinedClient.run(port: ports[1], frames: whole, total: 1000, luma: true, group: group)
        func rate(_ targets: [Int], _ frames: [ByteBuffer]) async throws -> Double {
            let begin = DispatchTime.now().uptimeNanoseconds
            let each = max(1000, calls / targets.count)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for port in targets {
                    group.addTask { _ = try await PipelinedClient.run(port: port, frames: frames, total: each, luma: true, group: self.group) }
                }
                try await group.waitForAll()
            }
            return Double(each * targets.count) / Double(DispatchTime.now().uptimeNanoseconds - begin) * 1e9
        }
        var results: [[Double]] = [[], [], []]
        for _ in 0..<max(1, rounds) {
            results[0].append(try await rate([ports[0]], whole))
            results[1].append(try await rate([ports[0], ports[0]], half))
            results[2].append(try await rate(ports, half))
        }
        let medians = results.map { $0.sorted()[$0.count / 2] }
        print("\nGetPassage \"John 3:16\" (production flags), calls/s with 64 in flight in all (\(ProcessInfo.processInfo.activeProcessorCount) cores, NIO's loop per core):")
        print("| one instance, one connection | one instance, two connections | two instances on one database, a connection each |")
        print("|---|---|---|")
        print(String(format: "| %.0f | %.0f (%.2fx) | %.0f (%.2fx) |", medians[0], medians[1], medians[1] / medians[0], medians[2], medians[2] / medians[0]))
        for process in started { process.terminate(); await process.wait(upTo: .seconds(10)) }
    }

    /// The raw echo of the same bytes and the real method, alternating in blocks; the round
    /// with the median ratio.
    func compare(template: Luma_Rpc_V1_Frame, port: Int, concurrency: Int) async throws -> (floor: (p50: Double, rate: Double), real: (p50: Double, rate: Double)) {
        let frames = try PipelinedClient.framed(template, count: concurrency)
        // Warm the connection path and the server's caches.
        _ = try await PipelinedClient.run(port: port, frames: frames, total: min(calls, 500), luma: true, group: group)
        var results: [(floor: (p50: Double, rate: Double), real: (p50: Double, rate: Double))] = []
        let block = max(concurrency * 20, min(calls, 1000))
        for _ in 0..<rounds {
            var floor: [Int64] = [], real: [Int64] = [], floorTime: UInt64 = 0, realTime: UInt64 = 0
            for _ in 0..<max(1, calls / block) {
                let f = try await PipelinedClient.run(port: rawPort, frames: frames, total: block, luma: false, group: group)
                let r = try await PipelinedClient.run(port: port, frames: frames, total: block, luma: true, group: group)
                floor += f.latencies; floorTime += f.nanoseconds
                real += r.latencies; realTime += r.nanoseconds
            }
            floor.sort(); real.sort()
            results.append(((Double(floor[floor.count / 2]) / 1000, Double(floor.count) / Double(floorTime) * 1e9),
                            (Double(real[real.count / 2]) / 1000, Double(real.count) / Double(realTime) * 1e9)))
        }
        let key = { (r: (floor: (p50: Double, rate: Double), real: (p50: Double, rate: Double))) in
            concurrency == 1 ? r.real.p50 / r.floor.p50 : r.real.rate / r.floor.rate
        }
        return results.sorted { key($0) < key($1) }[results.count / 2]
    }
}
