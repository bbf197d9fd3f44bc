import Foundation
import LumaRPC
import LumaTestSupport

/// `lumactl up` started for a test, with free ports (`--base-port 0`), in its own data dir.
final class UpProcess: @unchecked Sendable {
    private(set) var process = Process()
    let dataDir: String
    private let arguments: [String]
    private var output = Pipe()
    private var buffer = ""
    private(set) var environment: [String: String] = [:]
    private(set) var pids: [String: Int32] = [:]

    init(dataDir: String = temporaryDirectory(), arguments: [String] = []) {
        self.dataDir = dataDir
        self.arguments = arguments
        prepare()
    }

    private func prepare() {
        process = Process()
        output = Pipe()
        process.executableURL = ServiceProcess.binary("lumactl")
        process.arguments = ["up", "--data-dir", dataDir, "--base-port", "0"] + arguments
        process.standardOutput = output
        process.standardError = output
    }

    var log: String { buffer }

    /// Starts it and waits for "ready". `up --base-port 0` reserves free ports before the
    /// services bind them; another test process can take one in between, so a failed start is
    /// retried with fresh ports.
    func start() async throws {
        var attempt = 1
        while true {
            do {
                return try await startOnce()
            } catch where attempt < 3 {
                attempt += 1
                prepare()
            }
        }
    }

    private func startOnce() async throws {
        let lines = LineCollector()
        output.fileHandleForReading.readabilityHandler = { handle in lines.append(handle.availableData) }
        try process.run()
        let deadline = ContinuousClock.now + .seconds(180)
        while !lines.text.contains("\nready") && !lines.text.hasPrefix("ready") {
            guard process.isRunning, ContinuousClock.now < deadline else {
                throw ServiceProcessError.didNotStart("lumactl up", lines.text)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        buffer = lines.text
        for line in buffer.split(separator: "\n") {
            if line.hasPrefix("export ") {
                for pair in line.dropFirst("export ".count).split(separator: " ") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    environment[String(parts[0])] = String(parts[1])
                }
            }
            if line.contains(" listening on "), let open = line.range(of: "(pid "), let name = line.split(separator: " ").first {
                pids[String(name)] = Int32(line[open.upperBound...].prefix(while: \.isNumber))
            }
        }
        self.collector = lines
    }

    private var collector: LineCollector?

    var fullLog: String { collector?.text ?? buffer }

    /// Ctrl-C, then the exit status.
    func interrupt() async -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGINT) }
        while process.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for pid in pids.values { kill(pid, SIGKILL) }
    }
}

final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func append(_ more: Data) { lock.lock(); data.append(more); lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
}

/// Runs lumactl with an environment pointing at a stack.
func lumactl(_ arguments: [String], environment: [String: String], stdin: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = ServiceProcess.binary("lumactl")
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    let stdoutData = LineCollector(), stderrData = LineCollector()
    out.fileHandleForReading.readabilityHandler = { stdoutData.append($0.availableData) }
    err.fileHandleForReading.readabilityHandler = { stderrData.append($0.availableData) }
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try? input.fileHandleForWriting.close()
    while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
    try await Task.sleep(for: .milliseconds(30))
    out.fileHandleForReading.readabilityHandler = nil
    err.fileHandleForReading.readabilityHandler = nil
    stdoutData.append(out.fileHandleForReading.readDataToEndOfFile())
    stderrData.append(err.fileHandleForReading.readDataToEndOfFile())
    return (process.terminationStatus, stdoutData.text, stderrData.text)
}

/// Splits a command line as a POSIX shell would for the simple cases README uses: spaces,
/// double and single quotes.
func shellWords(_ line: String) -> [String] {
    var words: [String] = []
    var current = ""
    var quote: Character?
    var inWord = false
    for character in line {
        if let open = quote {
            if character == open { quote = nil } else { current.append(character) }
        } else if character == "\"" || character == "'" {
            quote = character
            inWord = true
        } else if character == " " {
            if inWord { words.append(current); current = ""; inWord = false }
        } else {
            current.append(character)
            inWord = true
        }
    }
    if inWord { words.append(current) }
    return words
}
