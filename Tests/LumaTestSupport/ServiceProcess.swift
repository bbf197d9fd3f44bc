import Foundation
import LumaRPC
import NIOConcurrencyHelpers

/// A service executable started as its own process for a test, on port 0. Built products sit
/// beside the test bundle in `.build/<config>/`.
public final class ServiceProcess: @unchecked Sendable {
    public let name: String
    public let endpoint: RPCEndpoint
    private let process: Process
    private let output: NIOLockedValueBox<String>

    /// Starts `executable` with `arguments` plus `--listen 127.0.0.1:<listen>` (0 by default: any
    /// free port) and waits for its "listening on" line.
    public init(_ executable: String, _ arguments: [String], listen: Int = 0, timeout: TimeInterval = 60) async throws {
        name = executable
        let process = Process()
        process.executableURL = ServiceProcess.binary(executable)
        process.arguments = arguments + ["--listen", "127.0.0.1:\(listen)"]
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let output = NIOLockedValueBox("")
        for pipe in [stdout, stderr] {
            pipe.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                if !data.isEmpty { output.withLockedValue { $0 += String(decoding: data, as: UTF8.self) } }
            }
        }
        try process.run()
        self.process = process
        self.output = output

        let deadline = Date().addingTimeInterval(timeout)
        var found: RPCEndpoint?
        while found == nil {
            if let line = output.withLockedValue({ $0 }).split(separator: "\n").first(where: { $0.contains(" listening on ") }),
               let address = line.split(separator: " ").last {
                found = try RPCEndpoint.parse(String(address))
            } else if !process.isRunning || Date() > deadline {
                let log = output.withLockedValue { $0 }
                process.terminate()
                throw ServiceProcessError.didNotStart(executable, log)
            } else {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        endpoint = found!
    }

    public static func binary(_ name: String) -> URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name)
    }

    public var log: String { output.withLockedValue { $0 } }
    public var isRunning: Bool { process.isRunning }
    public var pid: Int32 { process.processIdentifier }

    /// SIGTERM, then wait for exit; returns the exit status.
    @discardableResult
    public func stop() async -> Int32 {
        if process.isRunning { process.terminate() }
        return await waitForExit()
    }

    /// SIGKILL: no chance to clean up, as a crash.
    public func kill() async {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        _ = await waitForExit()
    }

    private func waitForExit() async -> Int32 {
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }
}

public enum ServiceProcessError: Error, CustomStringConvertible {
    case didNotStart(String, String)
    public var description: String {
        switch self {
        case .didNotStart(let name, let log): return "\(name) did not start:\n\(log)"
        }
    }
}

/// A fresh temporary directory for one test's databases.
public func temporaryDirectory() -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("luma-test-\(UUID().uuidString)").path
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Polls `condition` until it holds or `timeout` passes.
public func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let end = clock.now + timeout
    while clock.now < end {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(25))
    }
    return try await condition()
}

/// Runs a built executable to completion without blocking a Swift concurrency thread (tests
/// share a small cooperative pool; a blocking wait there starves every other test).
public func runCommand(_ executable: String, _ arguments: [String], stdin: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = ServiceProcess.binary(executable)
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = input
    let collected = NIOLockedValueBox((Data(), Data()))
    out.fileHandleForReading.readabilityHandler = { handle in
        let data = handle.availableData
        collected.withLockedValue { $0.0.append(data) }
    }
    err.fileHandleForReading.readabilityHandler = { handle in
        let data = handle.availableData
        collected.withLockedValue { $0.1.append(data) }
    }
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try? input.fileHandleForWriting.close()
    while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
    try await Task.sleep(for: .milliseconds(30))  // let the last output arrive
    out.fileHandleForReading.readabilityHandler = nil
    err.fileHandleForReading.readabilityHandler = nil
    let rest = (out.fileHandleForReading.readDataToEndOfFile(), err.fileHandleForReading.readDataToEndOfFile())
    let (stdout, stderr) = collected.withLockedValue { ($0.0 + rest.0, $0.1 + rest.1) }
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

/// Runs blocking work (building a template database, say) on a thread of its own.
public func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try work() })
        }
    }
}
