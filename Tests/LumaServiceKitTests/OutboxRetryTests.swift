import Foundation
import GRDB
import Logging
import LumaRPC
import OpsAPI
import NIOConcurrencyHelpers
import Testing
@testable import LumaServiceKit

/// Failed outbox entries: how a refusal marks one failed, and how an operator re-queues it.
@Suite("Outbox: re-queuing failed deliveries (no socket)")
struct OutboxRetryTests {
    /// A receiver that refuses for good until told to accept.
    final class Receiver: Sendable {
        let accepting = NIOLockedValueBox(false)
        let received = NIOLockedValueBox<[Data]>([])

        func handler(_ entry: Outbox.Entry) async throws {
            guard accepting.withLockedValue({ $0 }) else {
                throw RPCError.failedPrecondition("receiver refuses this for now")
            }
            received.withLockedValue { $0.append(entry.payload) }
        }
    }

    func makeOutbox() throws -> DatabasePool {
        let (pool, _) = try ServiceDatabase.temporary(name: "outbox")
        try pool.write { try OutboxTable.create($0) }
        return pool
    }

    func enqueue(_ pool: DatabasePool, _ payload: String) throws {
        try pool.write { try Outbox.enqueue($0, kind: "test.kind", target: "thing \(payload)", payload: Data(payload.utf8)) }
    }

    func status(_ pool: DatabasePool) throws -> (pending: Int, failed: Int, entries: [Outbox.Entry]) {
        let status = try pool.read { try Outbox.status($0, includeEntries: true) }
        return (status.pending, status.failed, status.entries)
    }

    func context() -> RPCServerContext {
        RPCServerContext(
            method: Luma_Ops_V1_OperationsService.Method.retryFailed.descriptor, callID: 1, metadata: [:],
            deadline: nil, peer: "test", logger: Logger(label: "test"))
    }

    @Test func aRefusedDeliveryFailsThenRetryFailedDeliversItOnceTheCauseIsFixed() async throws {
        let pool = try makeOutbox()
        let receiver = Receiver()
        let deliverer = OutboxDeliverer(database: pool, handlers: ["test.kind": receiver.handler], logger: Logger(label: "test"))
        let woken = NIOLockedValueBox(0)
        let operations = OperationsService(database: pool, onRequeue: { woken.withLockedValue { $0 += 1 } })
        try enqueue(pool, "a")

        await deliverer.deliverDue()
        let refused = try status(pool)
        #expect(refused.pending == 0 && refused.failed == 1)
        let entry = try #require(refused.entries.first)
        #expect(entry.failed && entry.attempts == 1 && entry.lastError.contains("receiver refuses this for now"))
        // A failed entry stays put: another pass does not send it again.
        await deliverer.deliverDue()
        #expect(try status(pool).failed == 1)

        receiver.accepting.withLockedValue { $0 = true }
        let response = try await operations.retryFailed(.with { $0.ids = [entry.id] }, context: context())
        #expect(response.requeuedIds == [entry.id])
        #expect(woken.withLockedValue { $0 } == 1)
        let requeued = try status(pool)
        #expect(requeued.pending == 1 && requeued.failed == 0)
        #expect(requeued.entries.first?.attempts == 1, "the history is kept")

        await deliverer.deliverDue()
        #expect(receiver.received.withLockedValue { $0 } == [Data("a".utf8)])
        #expect(try status(pool).entries.isEmpty)
    }

    @Test func withoutIdsEveryFailedEntryIsRequeuedAndPendingOnesAreLeftAlone() async throws {
        let pool = try makeOutbox()
        let deliverer = OutboxDeliverer(database: pool, handlers: ["test.kind": Receiver().handler], logger: Logger(label: "test"))
        try enqueue(pool, "a")
        try enqueue(pool, "b")
        await deliverer.deliverDue()
        try enqueue(pool, "c") // pending, never tried
        let before = try status(pool)
        #expect(before.failed == 2 && before.pending == 1)

        let response = try await OperationsService(database: pool).retryFailed(.init(), context: context())
        #expect(response.requeuedIds == before.entries.filter(\.failed).map(\.id))
        let after = try status(pool)
        #expect(after.failed == 0 && after.pending == 3)
        // Nothing failed now: re-queuing all again is a no-op, not an error.
        #expect(try await OperationsService(database: pool).retryFailed(.init(), context: context()).requeuedIds.isEmpty)
    }

    @Test func idsThatAreNotFailedEntriesRefuseTheWholeRequest() async throws {
        let pool = try makeOutbox()
        let deliverer = OutboxDeliverer(database: pool, handlers: ["test.kind": Receiver().handler], logger: Logger(label: "test"))
        try enqueue(pool, "a")
        await deliverer.deliverDue()
        try enqueue(pool, "b")
        let entries = try status(pool).entries
        let failedEntry = entries.first { $0.failed }
        let pendingEntry = entries.first { !$0.failed }
        let failed = try #require(failedEntry).id
        let pending = try #require(pendingEntry).id
        let operations = OperationsService(database: pool)

        let cases: [([Int64], RPCStatusCode, String)] = [
            ([failed, 999], .notFound, "outbox entry 999 does not exist"),
            ([failed, pending], .failedPrecondition, "outbox entry \(pending) is pending, not failed"),
            ([failed, 0], .invalidArgument, "outbox entry ids are positive; got 0"),
            ([-3], .invalidArgument, "outbox entry ids are positive; got -3"),
        ]
        for (ids, code, message) in cases {
            let error = await #expect(throws: RPCError.self) {
                try await operations.retryFailed(.with { $0.ids = ids }, context: context())
            }
            #expect(error?.code == code, "\(ids)")
            #expect(error?.field == "ids")
            #expect(error?.message.hasPrefix(message) == true, "\(error?.message ?? "")")
        }
        // All or nothing: the failed entry named with a bad one is still failed.
        #expect(try status(pool).failed == 1)
        // Naming an id twice is the same as once.
        #expect(try await operations.retryFailed(.with { $0.ids = [failed, failed] }, context: context()).requeuedIds == [failed])
    }
}
