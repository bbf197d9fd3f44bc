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
        for program in ["verse-registry", "creator-registry", "content-pipeline", "media-store", "luma-studio", "lumactl"] {
            #expect(FileManager.default.isExecutableFile(atPath: "\(root)/prefix/bin/\(program)"), "\(program)")
        }
        // The installed verse-registry finds its bundled Bible text.
        let migrate = try await shell("'\(root)/prefix/bin/verse-registry' migrate --db '\(root)/v.sqlite'")
        #expect(migrate.status == 0 && migrate.stdout.contains("applied  002_kjv_text"), "\(migrate.stderr)")
        for completion in ["bash-completion/completions/lumactl", "zsh/site-functions/_lumactl", "fish/vendor_completions.d/lumactl.fish"] {
            let text = try String(contentsOfFile: "\(root)/prefix/share/\(completion)", encoding: .utf8)
            #expect(text.contains("lumactl") && text.count > 1000, "\(completion)")
        }
        for service in ["verse-registry", "creator-registry", "content-pipeline", "media-store"] {
            let unit = try String(contentsOfFile: "\(root)/units/\(service)@.service", encoding: .utf8)
            #expect(unit.contains("ExecStart=\(root)/prefix/bin/\(service) --listen ${LUMA_LISTEN_HOST}:%i"))
            #expect(unit.contains("NoNewPrivileges=yes") && unit.contains("ProtectSystem=strict") && unit.contains("ReadWritePaths=/var/lib/luma"))
            let verify = try await shell("systemd-analyze verify '\(root)/units/\(service)@.service'")
            #expect(verify.status == 0, "\(service): \(verify.stdout)\(verify.stderr)")
        }
        let studio = try String(contentsOfFile: "\(root)/units/luma-studio.service", encoding: .utf8)
        #expect(studio.contains("ExecStart=\(root)/prefix/bin/luma-studio --listen ${LUMA_STUDIO_LISTEN}"))
        #expect(studio.contains("NoNewPrivileges=yes") && studio.contains("ProtectSystem=strict"))
        let verify = try await shell("systemd-analyze verify '\(root)/units/luma-studio.service'")
        #expect(verify.status == 0, "luma-studio: \(verify.stdout)\(verify.stderr)")
        let feed = try String(contentsOfFile: "\(root)/units/luma-feed.service", encoding: .utf8)
        #expect(feed.contains("ExecStart=\(root)/prefix/bin/luma-feed --listen ${LUMA_FEED_LISTEN}") && feed.contains("ProtectSystem=strict"))
        let verifyFeed = try await shell("systemd-analyze verify '\(root)/units/luma-feed.service'")
        #expect(verifyFeed.status == 0, "luma-feed: \(verifyFeed.stdout)\(verifyFeed.stderr)")
        #expect(FileManager.default.isExecutableFile(atPath: "\(root)/prefix/bin/luma-feed"))
    }
}

/// Metrics scraped over HTTP after real calls: the counts match the calls made.
@Suite("Metrics", .serialized)
struct MetricsTests {
    func scrape(_ url: String) async throws -> String {
        let result = try await runShell("curl -fsS '\(url)'")
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    func runShell(_ command: String) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await InstallTests().shell(command)
    }

    @Test func callsAreCountedByServiceMethodAndCode() async throws {
        let up = UpProcess()
        try await up.start()
        let env = up.environment
        let urls = up.log.split(separator: "\n").compactMap { line -> (String, String)? in
            guard let range = line.range(of: "metrics http://") else { return nil }
            return (String(line.split(separator: " ")[0]), "http://" + line[range.upperBound...])
        }
        let creatorsURL = try #require(urls.first { $0.0 == "creator-registry" }?.1)
        let contentURL = try #require(urls.first { $0.0 == "content-pipeline" }?.1)
        for _ in 0..<3 { _ = try await lumactl(["creators", "list"], environment: env) }
        let missing = try await lumactl(["call", try #require(env["LUMA_CREATORS"]), "luma.creators.v1.CreatorRegistry/GetCreator", "-d", #"{"id": 424242}"#],
                                        environment: env)
        #expect(missing.status == 5, "\(missing.stderr)")
        _ = try await lumactl(["content", "plan", "--from", "2027-09-01", "--to", "2027-09-02"], environment: env)
        _ = try await lumactl(["content", "generate", "--from", "2027-09-01", "--to", "2027-09-02"], environment: env)
        let creators = try await scrape(creatorsURL)
        #expect(creators.contains(#"luma_rpc_server_calls_total{service="luma.creators.v1.CreatorRegistry",method="ListCreators",code="OK"} 3"#), "\(creators)")
        #expect(creators.contains(#"method="GetCreator",code="NOT_FOUND"} 1"#), "\(creators)")
        #expect(creators.contains("process_resident_memory_bytes") && creators.contains(#"luma_outbox_pending{target="content-pipeline"} 0"#))
        #expect(creators.contains("luma_rpc_server_connections_open"), "\(creators)")
        // A connection that sends garbage is refused and counted.
        let address = try #require(env["LUMA_CREATORS"]).split(separator: ":")
        _ = try await runShell("timeout 5 bash -c 'exec 3<>/dev/tcp/\(address[0])/\(address[1]); printf \"GET / HTTP/1.1\\r\\n\\r\\n\" >&3; cat <&3 > /dev/null' || true")
        let refused = try await scrape(creatorsURL)
        #expect(refused.contains(#"luma_rpc_server_frames_refused_total{reason="protocol"} 1"#), "\(refused)")
        let content = try await scrape(contentURL)
        #expect(content.contains(#"luma_content_items{status="generated"} 4"#), "\(content)")
        // The writes those calls made, timed on the pool's writer connection.
        let writerStatements = content.split(separator: "\n").first {
            $0.hasPrefix("luma_sqlite_statement_duration_seconds_count{") && $0.contains(#"connection="writer""#)
        }
        #expect(writerStatements.flatMap { $0.split(separator: " ").last.flatMap { Double($0) } }.map { $0 > 0 } == true, "\(content)")
        // ...and how long each waited in the process for the writer and for a reader.
        for connection in ["writer", "reader"] {
            let waits = content.split(separator: "\n").first {
                $0.hasPrefix("luma_sqlite_pool_wait_seconds_count{") && $0.contains(#"connection="\#(connection)""#)
                    && $0.contains(#"database="content-pipeline.sqlite""#)
            }
            #expect(waits.flatMap { $0.split(separator: " ").last.flatMap { Double($0) } }.map { $0 > 0 } == true, "\(connection): \(content)")
        }
        // The bible items' claims: calls made by content-pipeline as a client of verse-registry.
        #expect(content.contains(#"luma_rpc_client_calls_total{service="luma.verses.v1.VerseRegistry",method="ClaimNextUnused",code="OK"} 2"#), "\(content)")
        #expect(await up.interrupt() == 0)
    }
}
