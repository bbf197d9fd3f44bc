import Foundation
import GRDB
import LumaRPC
import LumaServiceKit
import Testing
import VersesAPI
@testable import VerseRegistry

/// content-pipeline's Regenerate, seen from the ledger: a new passage claimed beside the one
/// given up, retries answered with the same new passage, and the old one released alone.
@Suite("Claims for a regenerated item")
struct RegenerationClaimTests {
    let context = testContext()

    func next(_ service: VerseRegistryService, _ content: Int64, replacing: [String] = []) async throws -> Luma_Verses_V1_ClaimNextUnusedResponse {
        try await service.claimNextUnused(.with {
            $0.dailyContentID = content
            $0.category = "hope"
            $0.usedDate = "2027-02-01"
            $0.translation = "rv1909"
            $0.language = "es"
            $0.replacing = replacing
        }, context: context)
    }

    func held(_ service: VerseRegistryService, _ content: Int64) async throws -> [Int] {
        try await service.listUsed(.with { $0.pageSize = 1000 }, context: context).verses.filter { $0.dailyContentID == content }.map { Int($0.verse) }
    }

    @Test func aReplacedPassageStaysHeldUntilItsReleaseAndARetryGetsTheSameNewOne() async throws {
        let (service, _) = try await makeService()
        let first = try await next(service, 1)
        #expect(try await next(service, 1).reference == first.reference)          // a retry keeps it
        // The item names its verse as it shows it (Spanish book names): accepted.
        let second = try await next(service, 1, replacing: [first.displayReference])
        #expect(second.reference != first.reference)
        #expect(try await next(service, 1, replacing: [first.displayReference]).reference == second.reference)
        let bothHeld = try await held(service, 1).count
        #expect(bothHeld == first.claimed.count + second.claimed.count)
        // Another item cannot take the passage given up until its release arrives.
        let other = try await next(service, 2)
        #expect(other.reference != first.reference && other.reference != second.reference)

        let released = try await service.releaseForContent(.with {
            $0.dailyContentID = 1
            $0.references = [first.displayReference]
        }, context: context)
        #expect(Int(released.released) == first.claimed.count)
        #expect(try await held(service, 1).count == second.claimed.count)
        // The item lives on: no tombstone, and its current verse is what a retry returns.
        #expect(try await next(service, 1).reference == second.reference)
        // Released again (a redelivery): nothing more goes.
        let again = try await service.releaseForContent(.with { $0.dailyContentID = 1; $0.references = [first.displayReference] }, context: context)
        #expect(again.released == 0)
    }

    @Test func aReplacedReferenceThatDoesNotParseIsRefusedNamingTheField() async throws {
        let (service, _) = try await makeService()
        _ = try await next(service, 1)
        await #expect { try await next(service, 1, replacing: ["Nowhere 99:99"]) } throws: { ($0 as? RPCError)?.field == "replacing" }
        await #expect {
            try await service.releaseForContent(.with { $0.dailyContentID = 1; $0.references = ["???"] }, context: context)
        } throws: { ($0 as? RPCError)?.field == "references" }
    }
}
