import Foundation
import LumaRPC
import NIOConcurrencyHelpers

/// One Luma executable run as a child process: by `lumactl up`, by the benchmarks and stress
/// tools, and by tests that need real processes (crashes, signals, start-up). The executables
/// are found next to the running one (they are built together in `.build/<config>/`).
public final class ServiceProcess: @unchecked Sendable {
    /// Where the child's stdout and stderr go.
    public enum Output: Sendable {
        /// Kept in memory (`log`), for tests.
        case capture
        /// Appended to a file, as `lumactl up` keeps its services' logs.
        case file(String)
    }

    public let name: String
    /// Where it listens, once known (nil when started with `listen: nil`).
    public let endpoint: RPCEndpoint
    private let process: Process
    private let output: NIOLockedValueBox<String>
    private let logFile: String?

    /// Starts `executable` with `arguments`. With `listen` (0 by default: any free port) it adds
    /// `--listen 127.0.0.1:<listen>` and waits for the "listening on" line the services print;
    /// with `listen: nil` the arguments say where it listens and nothing is awaited.
    /// `exitWithParent`: the child stops when this process goes away, even killed (see
    /// `ParentWatch`).
    public convenience init(_ executable: String, _ arguments: [String], listen: Int? = 0, output: Output = .capture,
                            exitWithParent: Bool = false, timeout: TimeInterval = 60) async throws {
        try await self.init(executable, arguments, listen: listen, output: output, exitWithParent: exitWithParent, environment: [:],
                            timeout: timeout)
    }

    /// The same, with `environment`: variables set for the child over this process's own (e.g.
    /// `LUMA_HEYGEN_API_KEY` for content-pipeline).
    public init(_ executable: String, _ arguments: [String], listen: Int? = 0, output: Output = .capture,
                exitWithParent: Bool = false, environment: [String: String], timeout: TimeInterval = 60) async throws {
        name = executable
        let process = Process()
        process.executableURL = ServiceProcess.binary(executable)
        process.arguments = arguments + (listen.map { ["--listen", "127.0.0.1:\($0)"] } ?? [])
        var overrides = environment
        if exitWithParent { overrides[ParentWatch.environmentVariable] = "1" }
        if !overrides.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(overrides) { $1 }
        }
        let captured = NIOLockedValueBox("")
        switch output {
        case .capture:
            logFile = nil
            let stdout = Pipe(), stderr = Pipe()
            process.standardOutput = stdout
            process.standardError = stderr
            for pipe in [stdout, stderr] {
                pipe.fileHandleForReading.readabilityHandler = { handle in
                    let data = handle.availableData
                    if !data.isEmpty { captured.withLockedValue { $0 += String(decoding: data, as: UTF8.self) } }
                }
            }
        case .file(let path):
            logFile = path
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
            process.standardOutput = handle
            process.standardError = handle
        }
        try process.run()
        self.process = process
        self.output = captured

        guard listen != nil else {
            endpoint = RPCEndpoint(host: "127.0.0.1", port: 0)
            return
        }
        let deadline = Date().addingTimeInterval(timeout)
        var found: RPCEndpoint?
        while found == nil {
            if let line = Self.text(captured, logFile).split(separator: "\n").first(where: { $0.contains(" listening on ") }),
               let address = line.split(separator: " ").last {
                found = try RPCEndpoint.parse(String(address))
            } else if !process.isRunning || Date() > deadline {
                let log = Self.text(captured, logFile)
                process.terminate()
                throw ServiceProcessError.didNotStart(executable, log)
            } else {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        endpoint = found!
    }

    private static func text(_ captured: NIOLockedValueBox<String>, _ file: String?) -> String {
        if let file { return (try? String(contentsOfFile: file, encoding: .utf8)) ?? "" }
        return captured.withLockedValue { $0 }
    }

    /// The executables are built next to the running one.
    public static func binary(_ name: String) -> URL {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent(name)
    }

    /// What it printed (captured output, or its log file).
    public var log: String { Self.text(output, logFile) }
    public var isRunning: Bool { process.isRunning }
    public var pid: Int32 { process.processIdentifier }
    /// Its exit status once it has exited; 0 while it runs.
    public var status: Int32 { process.isRunning ? 0 : process.terminationStatus }

    /// SIGTERM without waiting.
    public func terminate() {
        if process.isRunning { process.terminate() }
    }

    /// SIGTERM, then wait for exit; returns the exit status.
    @discardableResult
    public func stop() async -> Int32 {
        terminate()
        return await waitForExit()
    }

    /// Waits up to `limit` for it to exit, then SIGKILL.
    public func wait(upTo limit: Duration) async {
        let end = ContinuousClock.now + limit
        while process.isRunning && ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
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

