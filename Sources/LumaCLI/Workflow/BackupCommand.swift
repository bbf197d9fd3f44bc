import ArgumentParser
import Foundation
import LumaRPC
import OpsAPI

/// `lumactl backup --to DIR`: every service copies its database into DIR while it keeps
/// serving (luma.ops.v1.Backup), and lumactl writes DIR/manifest.json (sizes, migrations,
/// sha256). DIR is on the services' machine (for `lumactl up`, this one). Restore with
/// `<service> restore --from DIR/<file> --db PATH`; docs/operations.md has the procedure.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Copy every service's database, online, with a manifest.",
        discussion: """
            Each service copies its own database with SQLite's backup API while it serves, so DIR must be \\
            reachable where the services run. A service that fails does not stop the others; lumactl then \\
            exits with the first failure's status, and the manifest lists the copies that were made.
            """)

    @OptionGroup var endpoints: EndpointOptions

    @Option(help: "Directory for the copies and manifest.json (created; must not hold a previous backup).")
    var to: String

    func run() async throws {
        try await reportingErrors {
            let directory = URL(fileURLWithPath: to).standardizedFileURL.path
            let manifestPath = directory + "/manifest.json"
            guard !FileManager.default.fileExists(atPath: manifestPath) else {
                throw RPCError.alreadyExists("\(manifestPath) exists: back up into a new directory", field: "to")
            }
            let clients: [(String, () throws -> RPCClient)] = [
                ("verse-registry", endpoints.versesClient), ("creator-registry", endpoints.creatorsClient),
                ("content-pipeline", endpoints.contentClient), ("media-store", endpoints.mediaClient),
            ]
            var entries: [[String: Any]] = []
            var rows: [[String]] = []
            var firstFailure: RPCError?
            for (service, client) in clients {
                do {
                    let copy = try await Luma_Ops_V1_BackupClient(try client())
                        .snapshot(.with { $0.directory = directory }, options: .init(timeout: .seconds(600)))
                    var entry: [String: Any] = [
                        "service": copy.service, "file": URL(fileURLWithPath: copy.path).lastPathComponent, "bytes": copy.bytes,
                        "sha256": copy.sha256, "migrations": copy.migrations, "takenAt": copy.takenAt,
                    ]
                    // Files beside the database (media-store's blobs), each with its sha256.
                    if !copy.files.isEmpty {
                        entry["files"] = copy.files.map { ["path": $0.path, "bytes": $0.bytes, "sha256": $0.sha256] as [String: Any] }
                    }
                    entries.append(entry)
                    rows.append([copy.service, URL(fileURLWithPath: copy.path).lastPathComponent, "\(copy.bytes)",
                                 String(copy.sha256.prefix(16)), copy.migrations.last ?? ""])
                    if !copy.files.isEmpty {
                        rows.append([copy.service, "\(copy.files.count) files", "\(copy.files.reduce(0) { $0 + $1.bytes })", "", ""])
                    }
                } catch let error as RPCError {
                    firstFailure = firstFailure ?? error
                    rows.append([service, "failed: \(error.code)", "", "", error.message])
                }
            }
            let manifest: [String: Any] = ["format": 1, "directory": directory, "services": entries]
            if !entries.isEmpty {
                let data = try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                try data.write(to: URL(fileURLWithPath: manifestPath))
            }
            if endpoints.json {
                Output.json(object: manifest)
            } else {
                Output.table(["SERVICE", "FILE", "BYTES", "SHA256", "LAST MIGRATION"], rows)
                if !entries.isEmpty { print("manifest: \(manifestPath)") }
            }
            if let firstFailure { throw firstFailure }
        }
    }
}
