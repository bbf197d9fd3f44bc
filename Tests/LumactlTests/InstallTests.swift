import Foundation
import LumaTestSupport
import Testing

/// scripts/install.sh into a scratch prefix (no system changes): binaries with their resources,
/// completions, and systemd units that `systemd-analyze verify` accepts.
@Suite("Installing as system services")
struct InstallTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    func shell(_ command: String) async throws -> (status: Int32, stdout: String, stderr: String) {
        let directory = temporaryDirectory()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "(\(command)) > '\(directory)/out' 2> '\(directory)/err'"]
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        let out = (try? String(contentsOfFile: directory + "/out", encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: directory + "/err", encoding: .utf8)) ?? ""
        return (process.terminationStatus, out, err)
    }

    @Test func installsBinariesCompletionsAndUnitsThatVerify() async throws {
        let root = temporaryDirectory()
        let binDir = ServiceProcess.binary("lumactl").deletingLastPathComponent().path
        let install = try await shell("'\(Self.repository)/scripts/install.sh' --bin-dir '\(binDir)' --unit-dir '\(root)/units' --no-system '\(root)/prefix'")
        #expect(install.status == 0, "\(install.stderr)")
        for program in ["verse-registry", "creator-registry", "content-pipeline", "lumactl"] {
            #expect(FileManager.default.isExecutableFile(atPath: "\(root)/prefix/bin/\(program)"), "\(program)")
        }
        // The installed verse-registry finds its bundled Bible text.
        let migrate = try await shell("'\(root)/prefix/bin/verse-registry' migrate --db '\(root)/v.sqlite'")
        #expect(migrate.status == 0 && migrate.stdout.contains("applied  002_kjv_text"), "\(migrate.stderr)")
        for completion in ["bash-completion/completions/lumactl", "zsh/site-functions/_lumactl", "fish/vendor_completions.d/lumactl.fish"] {
            let text = try String(contentsOfFile: "\(root)/prefix/share/\(completion)", encoding: .utf8)
            #expect(text.contains("lumactl") && text.count > 1000, "\(completion)")
        }
        for service in ["verse-registry", "creator-registry", "content-pipeline"] {
            let unit = try String(contentsOfFile: "\(root)/units/\(service)@.service", encoding: .utf8)
            #expect(unit.contains("ExecStart=\(root)/prefix/bin/\(service) --listen ${LUMA_LISTEN_HOST}:%i"))
            #expect(unit.contains("NoNewPrivileges=yes") && unit.contains("ProtectSystem=strict") && unit.contains("ReadWritePaths=/var/lib/luma"))
            let verify = try await shell("systemd-analyze verify '\(root)/units/\(service)@.service'")
            #expect(verify.status == 0, "\(service): \(verify.stdout)\(verify.stderr)")
        }
    }
}
