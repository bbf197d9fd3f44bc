import Foundation
import GRDB
import LumaRPC
import OpsAPI

/// `luma.ops.v1.Operations`: the outbox's pending and failed deliveries, for operators and
/// the integrity checker, and re-queuing the failed ones.
public struct OperationsService: Luma_Ops_V1_OperationsProvider {
    let database: DatabasePool
    /// Called after entries were re-queued: the service wakes its deliverer.
    let onRequeue: @Sendable () -> Void

    public init(database: DatabasePool, onRequeue: @escaping @Sendable () -> Void = {}) {
        self.database = database
        self.onRequeue = onRequeue
    }

    public func outboxStatus(_ request: Luma_Ops_V1_OutboxStatusRequest, context: RPCServerContext) async throws -> Luma_Ops_V1_OutboxStatusResponse {
        let include = request.includeEntries
        let status = try await database.measured.read { try Outbox.status($0, includeEntries: include) }
        return .with {
            $0.pending = UInt32(status.pending)
            $0.failed = UInt32(status.failed)
            $0.oldestPendingAgeSeconds = status.oldestPendingAge
            $0.entries = status.entries.map { entry in .with {
                $0.id = entry.id
                $0.kind = entry.kind
                $0.target = entry.target
                $0.attempts = UInt32(entry.attempts)
                $0.lastError = entry.lastError
                $0.createdAt = entry.createdAt
                $0.nextAttemptAt = Date(timeIntervalSince1970: entry.nextAttemptAt).formatted(Date.ISO8601FormatStyle())
                $0.failed = entry.failed
            } }
        }
    }

    public func retryFailed(_ request: Luma_Ops_V1_RetryFailedRequest, context: RPCServerContext) async throws -> Luma_Ops_V1_RetryFailedResponse {
        if let bad = request.ids.first(where: { $0 <= 0 }) {
            throw RPCError.invalidArgument("outbox entry ids are positive; got \(bad)", field: "ids")
        }
        let ids = request.ids
        let requeued = try await database.measured.write { try Outbox.requeueFailed($0, ids: ids) }
        if !requeued.isEmpty { onRequeue() }
        return .with { $0.requeuedIds = requeued }
    }
}
