import Foundation
import LumaAuth
import LumaRPC
import Testing

/// Over mutual TLS the certificate names the calling process (`RPCServerContext.peerIdentity`)
/// and the token still decides the call: a service token is honoured only on a connection
/// whose certificate names that service; people's and tools' tokens on any admitted connection;
/// a certificate alone is no credential.
@Suite("Certificate identity and tokens")
struct CertificateIdentityTests {
    let signer = try! TokenSigner(key: Data(repeating: 7, count: 32))
    let method = RPCMethodDescriptor(service: "t", method: "m", inputType: "", outputType: "", idempotency: .unknown)

    func call(token: String?, certificate: String?) async -> RPCStatusCode {
        let interceptor = AuthServerInterceptor(signer: signer, policy: AccessPolicy(["t/m": .roles([.admin, .service])]))
        let context = RPCServerContext(method: method, callID: 1, metadata: token.map { [RPCMetadataKey.authorization: "Bearer " + $0] } ?? [:],
                                       deadline: nil, peer: "test", peerIdentity: certificate, logger: .init(label: "test"))
        do {
            _ = try await interceptor.intercept(request: Data(), context: context) { _, _ in Data() }
            return .ok
        } catch {
            return (error as? RPCError)?.code ?? .unknown
        }
    }

    @Test func aServiceTokenCountsOnlyOnItsOwnServicesConnection() async {
        let pipeline = signer.mint(Principal(subject: "content-pipeline", role: .service), ttl: 60)
        #expect(await call(token: pipeline, certificate: "content-pipeline") == .ok)
        #expect(await call(token: pipeline, certificate: "media-store") == .permissionDenied)
        // Without mutual TLS there is no certificate to bind to: the token alone, as before.
        #expect(await call(token: pipeline, certificate: nil) == .ok)
    }

    @Test func aCertificateIsNoCredentialAndPeoplesTokensWorkOnAnyConnection() async {
        #expect(await call(token: nil, certificate: "content-pipeline") == .unauthenticated)
        let admin = signer.mint(Principal(subject: "ops", role: .admin), ttl: 60)
        #expect(await call(token: admin, certificate: "lumactl") == .ok)
        let creator = signer.mint(Principal(subject: "grace", role: .creator, creatorID: 1), ttl: 60)
        #expect(await call(token: creator, certificate: "luma-studio") == .permissionDenied, "a creator may not call t/m whatever the certificate")
    }
}
