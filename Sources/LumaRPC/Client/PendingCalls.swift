import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// The calls awaiting a response on one connection, keyed by correlation id.
///
/// Callers register from any thread; the event loop completes them as responses arrive.
/// Whoever removes an entry first (response, deadline timer, cancellation or connection loss)
/// resumes it, exactly once.
final class PendingCalls: Sendable {
    private struct Entry {
        let continuation: CheckedContinuation<Data, any Error>
        var timer: Scheduled<Void>?
    }

    private struct State {
        var nextID: UInt64 = 1
        var entries: [UInt64: Entry] = [:]
        /// Set once the connection is gone; later registrations fail at once.
        var closedReason: RPCError?
    }

    private let state = NIOLockedValueBox(State())

    func allocateID() -> UInt64 {
        state.withLockedValue { state in
            defer { state.nextID &+= 1; if state.nextID == 0 { state.nextID = 1 } }
            return state.nextID
        }
    }

    /// Registers a waiter; if the connection already closed, resumes it with that error.
    func register(_ id: UInt64, _ continuation: CheckedContinuation<Data, any Error>) {
        let refused: RPCError? = state.withLockedValue { state in
            if let reason = state.closedReason { return reason }
            state.entries[id] = Entry(continuation: continuation)
            return nil
        }
        if let refused { continuation.resume(throwing: refused) }
    }

    func attachTimer(_ id: UInt64, _ timer: Scheduled<Void>) {
        let attached = state.withLockedValue { state in
            guard state.entries[id] != nil else { return false }
            state.entries[id]?.timer = timer
            return true
        }
        if !attached { timer.cancel() }
    }

    /// Completes a call; returns false if it was already completed.
    @discardableResult
    func complete(_ id: UInt64, with result: Result<Data, any Error>) -> Bool {
        guard let entry = state.withLockedValue({ $0.entries.removeValue(forKey: id) }) else { return false }
        entry.timer?.cancel()
        entry.continuation.resume(with: result)
        return true
    }

    var count: Int { state.withLockedValue { $0.entries.count } }

    /// Fails every waiter and refuses later ones.
    func closeAll(_ reason: RPCError) {
        let entries = state.withLockedValue { state in
            if state.closedReason == nil { state.closedReason = reason }
            defer { state.entries.removeAll() }
            return Array(state.entries.values)
        }
        for entry in entries {
            entry.timer?.cancel()
            entry.continuation.resume(throwing: reason)
        }
    }
}
