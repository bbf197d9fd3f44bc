import CreatorsAPI
import Foundation
import LumaAuth
import LumaRPC
import LumaRPCNIO
import LumaTestSupport
import NIOConcurrencyHelpers
import Testing

/// Backups as an operator takes them: online, under write load; restored into a fresh data
/// directory, every write acknowledged before the backup began is there, and the three
/// databases agree.
@Suite("Backup and restore", .serialized)
struct BackupTests {
    @Test func aBackupUnderWriteLoadRestoresEveryAcknowledgedWriteAndAgrees() async throws {
        let up = UpProcess()
        try await up.start()
        let env = up.environment
        let signer = try TokenSigner(key: try AuthKeyFile.read(up.dataDir + "/auth.key"))
        var configuration = RPCClient.Configuration()
        configuration.interceptors = [AuthClientInterceptor(token: signer.mint(Principal(subject: "test", role: .admin), ttl: 3600))]
        let creators = Luma_Creators_V1_CreatorRegistryClient(
            RPCClient(endpoints: try RPCEndpoint.parseList(try #require(env["LUMA_CREATORS"])), configuration: configuration))
        _ = try await lumactl(["content", "plan", "--from", "2027-08-01", "--to", "2027-08-10"], environment: env)
        _ = try await lumactl(["content", "generate", "--from", "2027-08-01", "--to", "2027-08-10"], environment: env)
        // A video in media-store: the backup carries its files too.
        let clip = temporaryDirectory() + "/clip.mp4"
        let made = try await InstallTests().shell("ffmpeg -nostdin -v error -f lavfi -i testsrc=size=540x960:rate=30 -f lavfi -i sine=frequency=440 -t 6 "
            + "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest '\(clip)'")
        #expect(made.status == 0, "\(made.stderr)")
        let uploaded = try await lumactl(["media", "upload", clip], environment: env)
        #expect(uploaded.status == 0 && uploaded.stdout.hasPrefix("media 2: video/mp4, 540x960, 6.0 s, h264/aac"), "\(uploaded.stdout)\(uploaded.stderr)")

        // Writes keep coming while the backup runs.
        let acknowledged = NIOLockedValueBox<[String]>([])
        let load = Task {
            var index = 0
            while !Task.isCancelled {
                let email = "load\(index)@example.com"
                if (try? await creators.createUser(.with { $0.email = email; $0.displayName = "Load"; $0.role = .creator })) != nil {
                    acknowledged.withLockedValue { $0.append(email) }
                }
                index += 1
            }
        }
        while acknowledged.withLockedValue({ $0.count }) < 20 { try await Task.sleep(for: .milliseconds(10)) }
        let beforeBackup = acknowledged.withLockedValue { $0 }
        let directory = temporaryDirectory() + "/backup"
        let backup = try await lumactl(["backup", "--to", directory], environment: env)
        load.cancel()
        _ = await load.result
        #expect(backup.status == 0, "\(backup.stderr)")
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/manifest.json"))) as? [String: Any])
        let services = try #require(manifest["services"] as? [[String: Any]])
        #expect(Set(services.compactMap { $0["service"] as? String }) == ["verse-registry", "creator-registry", "content-pipeline", "media-store"])
        #expect(services.allSatisfy { ($0["sha256"] as? String)?.count == 64 })
        // The video and its thumbnail, each listed with the sha256 it was checked against.
        let files = try #require(services.first { $0["service"] as? String == "media-store" }?["files"] as? [[String: Any]])
        #expect(files.count == 2)
        for file in files {
            let path = try #require(file["path"] as? String), sha256 = try #require(file["sha256"] as? String)
            #expect(path.hasSuffix(sha256) && FileManager.default.fileExists(atPath: directory + "/" + path))
        }
        // Never over an earlier backup.
        let again = try await lumactl(["backup", "--to", directory], environment: env)
        #expect(again.status == 6)
        #expect(await up.interrupt() == 0)

        // Restore all four into a fresh data directory, and run from it.
        let fresh = temporaryDirectory()
        for service in ["verse-registry", "creator-registry", "content-pipeline", "media-store"] {
            let media = service == "media-store" ? ["--media-dir", "\(fresh)/media"] : []
            let restored = try await runCommand(service, ["restore", "--from", "\(directory)/\(service).sqlite", "--db", "\(fresh)/\(service).sqlite"] + media)
            #expect(restored.status == 0, "\(restored.stderr)")
        }
        let restoredStack = UpProcess(dataDir: fresh)
        try await restoredStack.start()
        let users = try await lumactl(["users", "list", "--json"], environment: restoredStack.environment)
        for email in beforeBackup { #expect(users.stdout.contains(email), "\(email) was acknowledged before the backup") }
        let items = try await lumactl(["content", "list", "--from", "2027-08-01", "--to", "2027-08-10", "--json"], environment: restoredStack.environment)
        #expect(items.stdout.components(separatedBy: "\"postDate\"").count - 1 == 20)
        // The restored video is there, and the same bytes upload as "already held".
        let shown = try await lumactl(["media", "show", "2"], environment: restoredStack.environment)
        #expect(shown.status == 0 && shown.stdout.contains("540x960"), "\(shown.stderr)")
        let reupload = try await lumactl(["media", "upload", clip], environment: restoredStack.environment)
        #expect(reupload.stdout.hasPrefix("media 2:"), "\(reupload.stdout)\(reupload.stderr)")
        let integrity = try await lumactl(["integrity", "check", "--json"], environment: restoredStack.environment)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(integrity.stdout.utf8)) as? [String: Any])
        for kind in ["ledgerOrphanContentIds", "bibleItemsWithoutLedgerRow", "bibleItemsWithForeignLedgerRow", "contentWithMissingCreator", "creatorsWithMissingUser"] {
            #expect((report[kind] as? [Any] ?? []).isEmpty, "\(kind): \(report[kind] ?? "")")
        }
        #expect(await restoredStack.interrupt() == 0)
    }

    /// A damaged or altered backup is refused, and the database is left as it was.
    @Test func aDamagedOrAlteredBackupIsRefused() async throws {
        let directory = temporaryDirectory()
        #expect(try await runCommand("creator-registry", ["migrate", "--db", directory + "/good.sqlite"]).status == 0)
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: directory + "/junk.sqlite"))
        let junk = try await runCommand("creator-registry", ["restore", "--from", directory + "/junk.sqlite", "--db", directory + "/target.sqlite"])
        #expect(junk.status != 0)
        #expect(!FileManager.default.fileExists(atPath: directory + "/target.sqlite"))
        let manifest: [String: Any] = ["services": [["file": "good.sqlite", "sha256": String(repeating: "0", count: 64)]]]
        try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: directory + "/manifest.json"))
        let altered = try await runCommand("creator-registry", ["restore", "--from", directory + "/good.sqlite", "--db", directory + "/target.sqlite"])
        #expect(altered.status != 0 && altered.stderr.contains("does not match the sha256"), "\(altered.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/target.sqlite"))
    }
}
