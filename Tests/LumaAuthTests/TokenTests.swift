import ContentPipeline
import CreatorRegistry
import Foundation
@testable import LumaAuth
import MediaAPI
import MediaStore
import LumaRPC
import OpsAPI
import LumaServiceKit
import Testing
import VerseRegistry
import ContentAPI
import CreatorsAPI
import VersesAPI

@Suite("Tokens")
struct TokenTests {
    let signer = try! TokenSigner(key: Data(repeating: 7, count: 32))

    @Test func aMintedTokenVerifiesToItsPrincipal() throws {
        let creator = Principal(subject: "grace", role: .creator, creatorID: 3)
        #expect(try signer.verify(signer.mint(creator, ttl: 60)) == creator)
        let admin = Principal(subject: "ops", role: .admin)
        #expect(try signer.verify(signer.mint(admin, ttl: 60)) == admin)
    }

    @Test func expiredTamperedForgedAndMalformedTokensAreUnauthenticated() throws {
        let token = signer.mint(Principal(subject: "ops", role: .admin), ttl: 60, now: Date(timeIntervalSinceNow: -3600))
        #expect(throws: RPCError(.unauthenticated, "token expired")) { try signer.verify(token) }

        let good = signer.mint(Principal(subject: "grace", role: .creator, creatorID: 3), ttl: 60)
        let parts = good.split(separator: ".").map(String.init)
        // Promote the creator to admin in the payload, keeping the signature.
        let claims = String(decoding: TokenSigner.unbase64url(parts[1])!, as: UTF8.self).replacingOccurrences(of: "creator", with: "admin")
        let tampered = "luma1.\(TokenSigner.base64url(Data(claims.utf8))).\(parts[2])"
        #expect(throws: RPCError(.unauthenticated, "token signature is not valid")) { try signer.verify(tampered) }

        let forger = try TokenSigner(key: Data(repeating: 8, count: 32))
        let forged = forger.mint(Principal(subject: "mallory", role: .admin), ttl: 60)
        #expect(throws: RPCError(.unauthenticated, "token signature is not valid")) { try signer.verify(forged) }

        for junk in ["", "Bearer", "luma1.", "luma1.abc", "eyJhbGciOiJub25lIn0.e30.", String(repeating: "x", count: 10_000)] {
            #expect(throws: RPCError.self) { try signer.verify(junk) }
        }
    }

    /// One token, one spelling: padding, other alphabets and altered unused bits are refused
    /// even though they decode to the same bytes.
    @Test func onlyTheCanonicalUnpaddedBase64urlSpellingIsAccepted() throws {
        let good = signer.mint(Principal(subject: "ops", role: .admin), ttl: 60)
        #expect(try signer.verify(good).role == .admin)
        let parts = good.split(separator: ".").map(String.init)
        let signature = parts[2]                       // 32 bytes: 43 letters, 2 unused bits
        #expect(signature.count == 43)
        let last = signature.last!
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let index = alphabet.firstIndex(of: last)!
        let sameBytes = String(signature.dropLast()) + String(alphabet[index ^ 1])   // flips an unused bit
        let variants = [
            "\(parts[0]).\(parts[1]).\(signature)=",            // padded
            "\(parts[0]).\(parts[1]).\(sameBytes)",             // non-canonical trailing bits
            "\(parts[0]).\(parts[1]).\(signature.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/"))",
            "\(parts[0]).\(parts[1])=.\(signature)",            // padded payload
        ]
        for variant in variants where variant != good {
            #expect(throws: RPCError.self, "\(variant)") { try signer.verify(variant) }
        }
    }

    @Test func issuedInTheFutureBeyondTheSkewOrExpiringBeforeIssueIsRefused() throws {
        let future = signer.mint(Principal(subject: "ops", role: .admin), ttl: 3600, now: Date(timeIntervalSinceNow: 301))
        #expect(throws: RPCError(.unauthenticated, "token issued in the future")) { try signer.verify(future) }
        let slightlyAhead = signer.mint(Principal(subject: "ops", role: .admin), ttl: 3600, now: Date(timeIntervalSinceNow: 200))
        #expect(try signer.verify(slightlyAhead).subject == "ops")
    }

    @Test func shortKeysAreRefused() {
        #expect(throws: AuthError.self) { try TokenSigner(key: Data(repeating: 1, count: 16)) }
    }

    @Test func everyMethodOfEveryServiceDeclaresWhoMayCallIt() {
        let services: [(AccessPolicy, [RPCServiceDescriptor])] = [
            (VerseRegistryAccess.policy, [Luma_Verses_V1_VerseRegistryService.descriptor]),
            (CreatorRegistryAccess.policy, [Luma_Creators_V1_CreatorRegistryService.descriptor, Luma_Ops_V1_OperationsService.descriptor]),
            (ContentPipelineAccess.policy, [Luma_Content_V1_ContentPipelineService.descriptor, Luma_Ops_V1_OperationsService.descriptor]),
            (MediaStoreAccess.policy, [Luma_Media_V1_MediaStoreService.descriptor]),
        ]
        for (policy, descriptors) in services {
            #expect(policy.missingRules(for: descriptors) == [])
            #expect(policy.rule(for: "luma.rpc.v1.Health/Check") == .open)
        }
    }
}

/// docs/protocol.md's access table is the policies' own rendering: regenerate it with
/// `LUMA_REGENERATE_DOCS=1 swift test --filter AccessTableDocumentTests`.
@Suite("The access table in docs/protocol.md")
struct AccessTableDocumentTests {
    @Test func theDocumentedTableIsTheCodesTable() throws {
        let table = AccessTable.markdown([
            (VerseRegistryAccess.policy, [Luma_Verses_V1_VerseRegistryService.descriptor]),
            (CreatorRegistryAccess.policy, [Luma_Creators_V1_CreatorRegistryService.descriptor]),
            (ContentPipelineAccess.policy, [Luma_Content_V1_ContentPipelineService.descriptor, Luma_Ops_V1_OperationsService.descriptor]),
            (MediaStoreAccess.policy, [Luma_Media_V1_MediaStoreService.descriptor]),
            (BackupAccess.policy, [Luma_Ops_V1_BackupService.descriptor]),
            (ContentPipelineAccess.policy, [Luma_Rpc_V1_HealthService.descriptor, Luma_Rpc_V1_ReflectionService.descriptor]),
        ])
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/protocol.md").path
        let document = try String(contentsOfFile: path, encoding: .utf8)
        let begin = "<!-- access-table: generated from the services' AccessPolicy; see AccessTableDocumentTests -->\n"
        let end = "\n<!-- /access-table -->"
        let start = try #require(document.range(of: begin), "docs/protocol.md has no access table markers")
        let stop = try #require(document.range(of: end, range: start.upperBound..<document.endIndex))
        let documented = String(document[start.upperBound..<stop.lowerBound])
        if documented != table, ProcessInfo.processInfo.environment["LUMA_REGENERATE_DOCS"] == "1" {
            try (document[..<start.upperBound] + table + document[stop.lowerBound...]).write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        #expect(documented == table, "docs/protocol.md's access table is stale: run with LUMA_REGENERATE_DOCS=1")
    }
}

/// Issue 29: a server verifies a token once and serves it from its cache until the token
/// expires; the cache changes no rule.
@Suite("Verified-token cache")
struct VerifiedTokenCacheTests {
    let signer = try! TokenSigner(key: Data(repeating: 7, count: 32))
    let method = RPCMethodDescriptor(service: "t", method: "m", inputType: "", outputType: "", idempotency: .unknown)

    final class Clock: @unchecked Sendable {
        var now = Date(timeIntervalSince1970: 1_800_000_000)
    }

    func call(_ interceptor: AuthServerInterceptor, token: String) async throws -> Principal? {
        let context = RPCServerContext(method: method, callID: 1, metadata: [RPCMetadataKey.authorization: "Bearer " + token],
                                       deadline: nil, peer: "test", logger: .init(label: "test"))
        let seen = try await interceptor.intercept(request: Data(), context: context) { _, _ in
            Data(((Principal.current?.subject ?? "") + "|" + (Principal.current?.role.rawValue ?? "")).utf8)
        }
        let parts = String(decoding: seen, as: UTF8.self).split(separator: "|").map(String.init)
        guard parts.count == 2, let role = Principal.Role(rawValue: parts[1]) else { return nil }
        return Principal(subject: parts[0], role: role)
    }

    @Test func aVerifiedTokenIsServedFromTheCacheUntilItExpires() async throws {
        let clock = Clock()
        let interceptor = AuthServerInterceptor(signer: signer, policy: AccessPolicy(["t/m": .roles([.admin])]), clock: { clock.now })
        let admin = Principal(subject: "ops", role: .admin)
        let token = signer.mint(admin, ttl: 60, now: clock.now)
        #expect(try await call(interceptor, token: token) == admin)
        #expect(try await call(interceptor, token: token) == admin)
        #expect(interceptor.verified.count == 1)
        // A token that differs in one letter is verified, and refused, not matched.
        var forged = Array(token)
        forged[forged.count - 2] = forged[forged.count - 2] == "A" ? "B" : "A"
        await #expect(throws: RPCError.self) { _ = try await call(interceptor, token: String(forged)) }
        // Past its expiry the cached token is refused as the signer refuses it.
        clock.now = clock.now.addingTimeInterval(61)
        let error = await #expect(throws: RPCError.self) { _ = try await call(interceptor, token: token) }
        #expect(error?.code == .unauthenticated && error?.message == "token expired")
        #expect(interceptor.verified.count == 0)
    }

    @Test func theCacheIsBounded() {
        let cache = VerifiedTokenCache(capacity: 3)
        let admin = Principal(subject: "ops", role: .admin)
        for (index, expires) in [100, 200, 300].enumerated() { cache.insert("t\(index)", principal: admin, expires: Int64(expires), now: 50) }
        cache.insert("t3", principal: admin, expires: 400, now: 150)   // full: the one expired at 100 goes
        #expect(cache.count == 3 && cache.principal(for: "t0", now: 150) == nil && cache.principal(for: "t3", now: 150) == admin)
        cache.insert("t4", principal: admin, expires: 500, now: 150)   // full, none expired: all go
        #expect(cache.count == 1 && cache.principal(for: "t4", now: 150) == admin)
    }

    @Test func aServiceReusesItsMintedTokenForHalfItsLifetime() {
        let minted = AuthClientInterceptor.MintedToken()
        var mints = 0
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let first = minted.token(now: start, ttl: 300) { mints += 1; return "a" }
        let again = minted.token(now: start.addingTimeInterval(149), ttl: 300) { mints += 1; return "b" }
        let renewed = minted.token(now: start.addingTimeInterval(150), ttl: 300) { mints += 1; return "c" }
        #expect(first == "a" && again == "a" && renewed == "c" && mints == 2)
    }
}
