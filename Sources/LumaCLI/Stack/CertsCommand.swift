import ArgumentParser
import Foundation
import LumaCertificates

/// `lumactl certs init DIR`: a CA and a certificate per Luma process for mutual TLS.
struct CertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certs", abstract: "Make certificates for mutual TLS between the services.",
        subcommands: [CertsInitCommand.self])
}

struct CertsInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a CA and one certificate per service, the studio, the feed and lumactl into DIR.",
        discussion: """
            Files: ca.pem (give it to every process: --tls-client-ca for servers, --tls-ca for clients), \
            ca-key.pem (keep it offline: it signs), and NAME.pem / NAME-key.pem for verse-registry, \
            creator-registry, content-pipeline, media-store, luma-studio, luma-feed and lumactl. \
            Each certificate names localhost, the process's name, 127.0.0.1 and ::1; --host adds a \
            machine's name or address, to every certificate (--host 10.0.0.5) or to one process's \
            (--host content-pipeline=pipeline.internal). docs/operations.md: running on several machines.
            """)

    @Argument(help: "Directory to write (created; refused if it already holds ca.pem).")
    var directory: String

    @Option(help: "Days the certificates are valid (1-3650).")
    var days = 365

    @Option(help: "An extra DNS name or IP address: HOST for every certificate, NAME=HOST for one process's (repeatable).")
    var host: [String] = []

    func validate() throws {
        guard (1...3650).contains(days) else { throw ValidationError("--days must be 1-3650, not \(days)") }
        for entry in host {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2, !LocalCertificates.names.contains(parts[0]) {
                throw ValidationError("--host \(entry): '\(parts[0])' is not one of \(LocalCertificates.names.joined(separator: ", "))")
            }
        }
    }

    func run() async throws {
        var certificates = LocalCertificates(directory: directory, days: days)
        for entry in host {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            certificates.hosts[parts.count == 2 ? parts[0] : "", default: []].append(parts.last!)
        }
        do {
            for file in try certificates.write() { print("wrote \(file)") }
        } catch let error as CertificateError {
            throw ValidationError(error.description)
        }
        print("keys: NAME-key.pem (mode 0600); keep ca-key.pem off the servers")
    }
}
