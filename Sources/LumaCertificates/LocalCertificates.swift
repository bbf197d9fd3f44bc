import Crypto
import Foundation
import SwiftASN1
import X509
#if canImport(Glibc)
import Glibc
#endif

/// A certificate authority and one certificate per Luma process, for a test or a small
/// deployment (`lumactl certs init`, `lumactl up --tls`): ECDSA P-256 keys, made with
/// swift-certificates. Each leaf's common name is the process's name (the identity a server
/// reads from a client certificate) and it is valid as a server and as a client (mutual TLS
/// between services). Its names: `localhost`, the process's name, 127.0.0.1 and ::1, plus the
/// hosts given for it (a machine's DNS name or address, see docs/operations.md).
/// A production deployment uses its own PKI; these files are its stand-in.
public struct LocalCertificates: Sendable {
    /// Every process that serves or calls Luma RPC.
    public static let names = ["verse-registry", "creator-registry", "content-pipeline", "media-store", "luma-studio", "luma-feed", "lumactl"]

    public let directory: String
    public var days = 365
    /// Extra names or addresses per process ("" for every one).
    public var hosts: [String: [String]] = [:]

    public init(directory: String, days: Int = 365, hosts: [String: [String]] = [:]) {
        self.directory = directory
        self.days = days
        self.hosts = hosts
    }

    public func ca() -> String { directory + "/ca.pem" }
    public func certificate(_ name: String) -> String { "\(directory)/\(name).pem" }
    public func key(_ name: String) -> String { "\(directory)/\(name)-key.pem" }

    /// Writes ca.pem, ca-key.pem, NAME.pem and NAME-key.pem for each name (keys 0600). Refuses a
    /// directory that already holds a CA: overwriting it would strand every certificate it signed.
    @discardableResult
    public func write(names: [String] = Self.names, now: Date = Date()) throws -> [String] {
        let files = FileManager.default
        if files.fileExists(atPath: ca()) {
            throw CertificateError("\(ca()) exists: remove the directory first, or use another (a new CA would not verify the certificates the old one signed)")
        }
        try files.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName {
            OrganizationName("Luma")
            CommonName("Luma local CA")
        }
        let notBefore = now.addingTimeInterval(-300)
        let notAfter = now.addingTimeInterval(TimeInterval(days) * 86_400)
        let authority = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(caKey.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(caKey))
        try save(try authority.serializeAsPEM().pemString, to: ca(), secret: false)
        try save(caKey.pemRepresentation, to: directory + "/ca-key.pem", secret: true)
        var written = [ca()]
        for name in names {
            let key = P256.Signing.PrivateKey()
            let alternatives = try (["localhost", name, "127.0.0.1", "::1"] + (hosts[""] ?? []) + (hosts[name] ?? [])).map(Self.generalName)
            let leaf = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
                notValidBefore: notBefore, notValidAfter: notAfter, issuer: caName,
                subject: try DistinguishedName {
                    OrganizationName("Luma")
                    CommonName(name)
                },
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([.serverAuth, .clientAuth])
                    SubjectAlternativeNames(alternatives)
                },
                issuerPrivateKey: .init(caKey))
            try save(try leaf.serializeAsPEM().pemString, to: certificate(name), secret: false)
            try save(key.pemRepresentation, to: self.key(name), secret: true)
            written.append(certificate(name))
        }
        return written
    }

    /// A DNS name, or an IPv4/IPv6 address as an IP entry.
    static func generalName(_ host: String) throws -> GeneralName {
        var v4 = in_addr(), v6 = in6_addr()
        if host.withCString({ inet_pton(AF_INET, $0, &v4) }) == 1 {
            return .ipAddress(ASN1OctetString(contentBytes: withUnsafeBytes(of: &v4) { ArraySlice($0) }))
        }
        if host.withCString({ inet_pton(AF_INET6, $0, &v6) }) == 1 {
            return .ipAddress(ASN1OctetString(contentBytes: withUnsafeBytes(of: &v6) { ArraySlice($0) }))
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else {
            throw CertificateError("'\(host)' is neither a DNS name nor an IP address")
        }
        return .dnsName(host)
    }

    private func save(_ text: String, to path: String, secret: Bool) throws {
        let created = FileManager.default.createFile(atPath: path, contents: Data((text.hasSuffix("\n") ? text : text + "\n").utf8),
                                                     attributes: [.posixPermissions: secret ? 0o600 : 0o644])
        guard created else { throw CertificateError("cannot write \(path)") }
    }
}

public struct CertificateError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
