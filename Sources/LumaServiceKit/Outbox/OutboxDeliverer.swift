import Foundation
import GRDB
import Logging
import LumaRPC
import LumaTracing
import NIOCore
import ServiceLifecycle

/// Delivers outbox rows: on `wake()` (right after a commit that enqueued one) and on a timer
/// for retries. Failures that can clear by themselves (`isTransient`: a peer down or busy, a
/// receiver's disk full, connection errors) retry with jittered exponential backoff, forever:
/// the peer will come back. A receiver that refuses an entry outright (invalid, not found, not
/// allowed, corrupt data, a bug) marks it failed for an operator to see in OutboxStatus and
/// re-queue with `lumactl outbox retry` once the cause is fixed.
public final class OutboxDeliverer: Service, Sendable {
    /// Sends one entry's payload to its receiver.
    public typealias Handler = @Sendable (Outbox.Entry) async throws -> Void

    private let database: DatabasePool
    private let handlers: [String: Handler]
    private let logger: Logger
    private let pollInterval: Duration
    private let backoff: RPCBackoff
    private let wakeups: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation

    public init(database: DatabasePool, handlers: [String: Handler], logger: Logger,
                pollInterval: Duration = .seconds(1), backoff: RPCBackoff = {
                    var backoff = RPCBackoff()
                    backoff.initial = .milliseconds(200)
                    backoff.maximum = .seconds(30)
                    return backoff
                }()) {
        self.database = database
        self.handlers = handlers
        self.logger = logger
        self.pollInterval = pollInterval
        self.backoff = backoff
        (wakeups, wakeContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// How long a leased entry is reserved for this instance. Short, because a crashed instance's
    /// leases block redelivery until they lapse; a delivery that outlives its lease may be sent
    /// twice by two instances, which idempotent receivers absorb. Handlers keep their calls
    /// under `handlerTimeout`.
    public static let lease: Double = 5
    public static let handlerTimeout: TimeAmount = .seconds(4)

    /// Deliver now rather than at the next poll.
    public func wake() {
        wakeContinuation.yield()
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                // A ticker turns the poll interval into wake-ups, so one loop handles both.
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: self.pollInterval)
                        self.wakeContinuation.yield()
                    }
                }
                group.addTask {
                    for await _ in self.wakeups {
                        if Task.isCancelled { break }
                        await self.deliverDue()
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.wakeContinuation.finish()
        }
    }

    /// One pass: lease what is due and deliver it. Public so tests can drive it directly.
    public func deliverDue() async {
        while true {
            let batch: [Outbox.Entry]
            do {
                let now = Date().timeIntervalSince1970
                batch = try await database.measured.write { try Outbox.leaseDue($0, now: now, lease: Self.lease, limit: 32) }
            } catch {
                logger.error("outbox: cannot read due entries", metadata: ["error": "\(error)"])
                return
            }
            if batch.isEmpty { return }
            await withTaskGroup(of: Void.self) { group in
                for entry in batch {
                    group.addTask { await self.deliver(entry) }
                }
            }
            if batch.count < 32 { return }
        }
    }

    private func deliver(_ entry: Outbox.Entry) async {
        guard let handler = handlers[entry.kind] else {
            await record(entry, error: "no handler for outbox kind '\(entry.kind)'", permanent: true)
            return
        }
        do {
            try await StoredTraceContext.withSpan("outbox deliver \(entry.kind)", restoring: entry.traceContext) {
                try await handler(entry)
            }
            try await database.measured.write { try Outbox.delivered($0, id: entry.id) }
            logger.debug("outbox: delivered", metadata: ["kind": "\(entry.kind)", "target": "\(entry.target)"])
        } catch {
            let status = Self.status(of: error)
            await record(entry, error: status?.description ?? "\(error)", permanent: status.map { !Self.isTransient($0.code) } ?? false)
        }
    }

    /// Statuses worth retrying without an operator: they clear when the peer comes back, its
    /// lock is released, its disk gets space, or a race is over.
    public static func isTransient(_ code: RPCStatusCode) -> Bool {
        [.unavailable, .deadlineExceeded, .cancelled, .resourceExhausted, .aborted].contains(code)
    }

    /// The status an error stands for: an RPC status, or a database error as `DatabaseStatus`
    /// maps it (a handler may call a receiver in-process). Nil for anything else (connection
    /// errors), which is treated as transient.
    static func status(of error: any Error) -> RPCError? {
        if let error = error as? RPCError { return error }
        if let error = error as? DatabaseError {
            return DatabaseStatus.status(for: error, database: "of the receiver") ?? RPCError.internalError("\(error)")
        }
        return nil
    }

    private func record(_ entry: Outbox.Entry, error: String, permanent: Bool) async {
        let delay = backoff.delay(afterFailures: entry.attempts + 1)
        let next = Date().timeIntervalSince1970 + Double(delay.nanoseconds) / 1e9
        do {
            try await database.measured.write { try Outbox.retryLater($0, id: entry.id, error: error, at: next, permanent: permanent) }
        } catch {
            logger.error("outbox: cannot record a failed delivery", metadata: ["error": "\(error)"])
        }
        if permanent {
            logger.error("outbox: delivery refused; marked failed", metadata: ["kind": "\(entry.kind)", "target": "\(entry.target)", "error": "\(error)"])
        } else {
            logger.notice("outbox: delivery failed; will retry", metadata: [
                "kind": "\(entry.kind)", "target": "\(entry.target)", "attempt": "\(entry.attempts + 1)", "error": "\(error)"])
        }
    }
}
