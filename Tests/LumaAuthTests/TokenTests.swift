import ContentPipeline
import CreatorRegistry
import Foundation
@testable import LumaAuth
import LumaRPC
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

    @Test func shortKeysAreRefused() {
        #expect(throws: AuthError.self) { try TokenSigner(key: Data(repeating: 1, count: 16)) }
    }

    @Test func everyMethodOfEveryServiceDeclaresWhoMayCallIt() {
        let services: [(AccessPolicy, [RPCServiceDescriptor])] = [
            (VerseRegistryAccess.policy, [Luma_Verses_V1_VerseRegistryService.descriptor]),
            (CreatorRegistryAccess.policy, [Luma_Creators_V1_CreatorRegistryService.descriptor, Luma_Ops_V1_OperationsService.descriptor]),
            (ContentPipelineAccess.policy, [Luma_Content_V1_ContentPipelineService.descriptor, Luma_Ops_V1_OperationsService.descriptor]),
        ]
        for (policy, descriptors) in services {
            #expect(policy.missingRules(for: descriptors) == [])
            #expect(policy.rule(for: "luma.rpc.v1.Health/Check") == .open)
        }
    }
}
