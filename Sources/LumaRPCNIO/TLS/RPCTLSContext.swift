import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers
import NIOSSL
import X509

/// TLS for Luma RPC over TCP (swift-nio-ssl, BoringSSL), one side of it: the `NIOSSLContext`
/// new connections use, built from PEM files and rebuilt from them by `reload()` (a service
/// does it on SIGHUP) while connections already open keep the context they began with, so a
/// renewed certificate never drops a call.
///
/// - A server presents its certificate and key; with a client CA it asks every client for a
///   certificate signed by that CA and refuses the handshake without one (mutual TLS).
/// - A client trusts only the given CA, checks the server's certificate names the host it
///   dialled (a DNS name, or an IP address against the certificate's IP entries), and
///   presents its own certificate when given one.
///
/// TLS 1.2 at least. The framing inside is unchanged: preface, then length-prefixed frames.
public final class RPCTLSContext: Sendable {
    public enum Side: Sendable { case server, client }

    /// The PEM files this side is built from.
    public struct Files: Sendable, Equatable {
        public var certificate: String?
        public var key: String?
        /// Server: the CA whose certificates clients must present. Client: the CA trusted for servers.
        public var ca: String?
    }

    /// What this side presents, for metrics and `lumactl health`.
    public struct Presented: Sendable, Equatable {
        /// The certificate's common name ("content-pipeline").
        public let name: String
        public let notValidAfter: Date
    }

    public let side: Side
    public let files: Files

    private let state: NIOLockedValueBox<(context: NIOSSLContext, presented: Presented?)>

    private init(side: Side, files: Files) throws {
        self.side = side
        self.files = files
        state = NIOLockedValueBox(try Self.load(side, files))
    }

    /// A server's: `certificate` (its chain, leaf first) and `key`; `clientCA` makes it mutual.
    public static func server(certificate: String, key: String, clientCA: String?) throws -> RPCTLSContext {
        try RPCTLSContext(side: .server, files: Files(certificate: certificate, key: key, ca: clientCA))
    }

    /// A client's: servers must present a certificate from `ca`; `certificate` and `key` (both or
    /// neither) are what it presents to a server that asks.
    public static func client(ca: String, certificate: String? = nil, key: String? = nil) throws -> RPCTLSContext {
        guard (certificate == nil) == (key == nil) else {
            throw RPCTLSError("a client certificate needs its key and a key its certificate (got \(certificate == nil ? "a key" : "a certificate") alone)")
        }
        return try RPCTLSContext(side: .client, files: Files(certificate: certificate, key: key, ca: ca))
    }

    /// The context for a connection starting now.
    public var current: NIOSSLContext { state.withLockedValue { $0.context } }

    public var presented: Presented? { state.withLockedValue { $0.presented } }

    /// Reads the files again; on any error the old context stays in use and the error is thrown.
    public func reload() throws {
        let fresh = try Self.load(side, files)
        state.withLockedValue { $0 = fresh }
    }

    private static func load(_ side: Side, _ files: Files) throws -> (context: NIOSSLContext, presented: Presented?) {
        let chain: [NIOSSLCertificate] = try files.certificate.map { path -> [NIOSSLCertificate] in
            let certificates = try read("certificate", path) { try NIOSSLCertificate.fromPEMFile(path) }
            guard !certificates.isEmpty else { throw RPCTLSError("\(path) holds no PEM certificate") }
            return certificates
        } ?? []
        let key: NIOSSLPrivateKey? = try files.key.map { path in try read("private key", path) { try NIOSSLPrivateKey(file: path, format: .pem) } }
        let roots: [NIOSSLCertificate]? = try files.ca.map { path -> [NIOSSLCertificate] in
            let certificates = try read("CA certificate", path) { try NIOSSLCertificate.fromPEMFile(path) }
            guard !certificates.isEmpty else { throw RPCTLSError("\(path) holds no PEM certificate") }
            return certificates
        }
        var configuration: TLSConfiguration
        switch side {
        case .server:
            guard let key, !chain.isEmpty else { throw RPCTLSError("a TLS server needs a certificate and its key") }
            configuration = .makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            if let roots {
                configuration.trustRoots = .certificates(roots)
                // A client certificate is required and checked against the CA; which service it
                // names is read after the handshake (`ServerConnectionHandler`).
                configuration.certificateVerification = .noHostnameVerification
            }
        case .client:
            guard let roots else { throw RPCTLSError("a TLS client needs the CA it trusts (--tls-ca)") }
            configuration = .makeClientConfiguration()
            configuration.trustRoots = .certificates(roots)
            configuration.certificateVerification = .fullVerification
            if let key, !chain.isEmpty {
                configuration.certificateChain = chain.map { .certificate($0) }
                configuration.privateKey = .privateKey(key)
            }
        }
        configuration.minimumTLSVersion = .tlsv12
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            // Typically a key that is not the certificate's.
            throw RPCTLSError("cannot use \([files.certificate, files.key].compactMap { $0 }.joined(separator: " and ")): \(error)")
        }
        let presented = try chain.first.map { (leaf: NIOSSLCertificate) -> Presented in
            guard let presented = Presented(leaf) else { throw RPCTLSError("\(files.certificate ?? "") cannot be parsed as X.509") }
            return presented
        }
        return (context, presented)
    }

    private static func read<T>(_ what: String, _ path: String, _ body: () throws -> T) throws -> T {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw RPCTLSError("cannot read the \(what) \(path): \(FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")")
        }
        do {
            return try body()
        } catch {
            throw RPCTLSError("\(path) is not a PEM \(what) (\(error))")
        }
    }
}

/// A TLS file or setting that cannot be used, in words naming it.
public struct RPCTLSError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension DistinguishedName {
    /// The last common name of the name (the most specific), if any.
    var commonName: String? {
        var name: String?
        for relative in self {
            for attribute in relative where attribute.type == .RDNAttributeType.commonName {
                name = String(describing: attribute.value)
            }
        }
        return name
    }
}

extension RPCTLSContext.Presented {
    /// A certificate's common name and expiry (nil if it does not parse as X.509).
    init?(_ certificate: NIOSSLCertificate) {
        guard let der = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: der) else { return nil }
        self.init(name: parsed.subject.commonName ?? "", notValidAfter: parsed.notValidAfter)
    }
}

extension NIOSSLCertificate {
    /// The certificate's common name: which service (or tool) a peer's certificate says it is.
    var commonName: String? {
        RPCTLSContext.Presented(self).flatMap { $0.name.isEmpty ? nil : $0.name }
    }
}

extension String {
    /// An IPv4 or IPv6 literal ("127.0.0.1", "::1"): never sent as SNI, matched against a
    /// certificate's IP address entries instead of its DNS names.
    var isIPAddress: Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return withCString { inet_pton(AF_INET, $0, &v4) == 1 || inet_pton(AF_INET6, $0, &v6) == 1 }
    }
}
