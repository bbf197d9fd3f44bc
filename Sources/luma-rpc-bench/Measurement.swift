import Foundation

/// Latencies of one run and its wall time.
struct Measurement {
    let name: String
    var latenciesNanos: [UInt64] = []
    var wallNanos: UInt64 = 0

    /// Adds another run of the same scenario (one block of a round).
    mutating func append(_ other: Measurement) {
        latenciesNanos += other.latenciesNanos
        wallNanos += other.wallNanos
    }

    var callsPerSecond: Double { Double(latenciesNanos.count) / (Double(wallNanos) / 1e9) }

    func percentile(_ p: Double) -> Double {
        let sorted = latenciesNanos.sorted()
        let index = min(sorted.count - 1, Int(Double(sorted.count) * p))
        return Double(sorted[index]) / 1000
    }

    var summary: String {
        String(format: "%-28@ %10.0f calls/s   p50 %7.1f us   p90 %7.1f us   p99 %7.1f us",
               name as NSString, callsPerSecond, percentile(0.5), percentile(0.9), percentile(0.99))
    }
}

/// Runs `calls` calls with `concurrency` of them in flight, timing each.
func measure(_ name: String, calls: Int, concurrency: Int, _ call: @escaping @Sendable () async throws -> Void) async throws -> Measurement {
    let start = DispatchTime.now().uptimeNanoseconds
    let perWorker = calls / concurrency
    let latencies = try await withThrowingTaskGroup(of: [UInt64].self) { group in
        for _ in 0..<concurrency {
            group.addTask {
                var samples: [UInt64] = []
                samples.reserveCapacity(perWorker)
                for _ in 0..<perWorker {
                    let before = DispatchTime.now().uptimeNanoseconds
                    try await call()
                    samples.append(DispatchTime.now().uptimeNanoseconds - before)
                }
                return samples
            }
        }
        return try await group.reduce(into: [UInt64]()) { $0 += $1 }
    }
    return Measurement(name: name, latenciesNanos: latencies, wallNanos: DispatchTime.now().uptimeNanoseconds - start)
}

func residentMemoryBytes(pid: Int32) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
    return (line.split(separator: " ").compactMap { Int($0) }.first ?? 0) * 1024
}
