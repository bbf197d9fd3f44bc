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
