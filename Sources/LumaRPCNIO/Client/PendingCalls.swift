import Foundation
import NIOConcurrencyHelpers
import LumaRPC
import NIOCore

/// The calls awaiting a response on one connection, keyed by correlation id, and their
/// deadlines.
///
/// Callers register from any thread; the event loop completes them as responses arrive.
/// Whoever removes an entry first (response, deadline sweep, cancellation or connection loss)
/// resumes it, exactly once. That guarantee, kept under the lock, is why the continuations are
/// `UnsafeContinuation`: the checked kind adds an allocation and an atomic per call to detect
/// what this type already rules out.
///
/// Deadlines use one timer per connection rather than one per call: it is armed for the
/// earliest deadline and, when it fires, fails what has expired and re-arms for the next. With
/// every call carrying a (default) deadline, this saves a timer allocation, a heap insertion
/// and a cancellation on every call.
final class PendingCalls: Sendable {
    private struct Entry {
        let continuation: UnsafeContinuation<Data, any Error>
        let deadline: NIODeadline?
        let method: String
    }

    private struct State {
        var nextID: UInt64 = 1
        var entries: [UInt64: Entry] = [:]
        /// Set once the connection is gone; later registrations fail at once.
        var closedReason: RPCError?
        var sweep: (deadline: NIODeadline, timer: Scheduled<Void>)?
    }

    private let state = NIOLockedValueBox(State())

    func allocateID() -> UInt64 {
        state.withLockedValue { state in
            defer { state.nextID &+= 1; if state.nextID == 0 { state.nextID = 1 } }
            return state.nextID
        }
    }

    /// Registers a waiter; if the connection already closed, resumes it with that error.
    func register(_ id: UInt64, method: String, deadline: NIODeadline?, _ continuation: UnsafeContinuation<Data, any Error>) {
        let refused: RPCError? = state.withLockedValue { state in
            if let reason = state.closedReason { return reason }
            state.entries[id] = Entry(continuation: continuation, deadline: deadline, method: method)
            return nil
        }
        // A connection already closed or told to go away: the request is not sent, so it did
        // not run anywhere.
        if let refused { continuation.resume(throwing: RPCCallNotRun(status: refused)) }
    }

    /// Completes a call; returns false if it was already completed.
    @discardableResult
    func complete(_ id: UInt64, with result: Result<Data, any Error>) -> Bool {
        guard let entry = state.withLockedValue({ $0.entries.removeValue(forKey: id) }) else { return false }
        entry.continuation.resume(with: result)
        return true
    }

    var count: Int { state.withLockedValue { $0.entries.count } }

    /// Makes sure the sweep timer fires no later than `deadline`. Call on `eventLoop`.
    func ensureSweep(by deadline: NIODeadline, on eventLoop: any EventLoop, onExpired: @escaping @Sendable (UInt64) -> Void) {
        let armedEarlier = state.withLockedValue { $0.sweep.map { $0.deadline <= deadline } ?? false }
        if !armedEarlier { arm(at: deadline, on: eventLoop, onExpired: onExpired) }
    }

    private func arm(at deadline: NIODeadline, on eventLoop: any EventLoop, onExpired: @escaping @Sendable (UInt64) -> Void) {
        let timer = eventLoop.scheduleTask(deadline: deadline) {
            self.sweep(on: eventLoop, onExpired: onExpired)
        }
        let replaced = state.withLockedValue { state in
            defer { state.sweep = (deadline, timer) }
            return state.sweep?.timer
        }
        replaced?.cancel()
    }

    /// Fails every call whose deadline has passed and re-arms for the earliest remaining one.
    private func sweep(on eventLoop: any EventLoop, onExpired: @escaping @Sendable (UInt64) -> Void) {
        let now = NIODeadline.now()
        let (expired, next) = state.withLockedValue { state in
            state.sweep = nil
            var expired: [(UInt64, Entry)] = []
            var next: NIODeadline?
            for (id, entry) in state.entries {
                guard let deadline = entry.deadline else { continue }
                if deadline <= now {
                    expired.append((id, entry))
                } else {
                    next = next.map { min($0, deadline) } ?? deadline
                }
            }
            for (id, _) in expired { state.entries.removeValue(forKey: id) }
            return (expired, next)
        }
        for (id, entry) in expired {
            entry.continuation.resume(throwing: RPCError(.deadlineExceeded, "deadline exceeded waiting for \(entry.method)"))
            onExpired(id)
        }
        if let next { arm(at: next, on: eventLoop, onExpired: onExpired) }
    }

    /// The server's GoAway said it accepted calls up to `lastCallID`: the ones above it were
    /// never run (ids are allocated in increasing order), so they fail with `RPCCallNotRun`, which
    /// `RPCClient` retries elsewhere whatever the method. Later registrations are refused too.
    func failNotRun(above lastCallID: UInt64, _ status: RPCError) {
        let notRun: [Entry] = state.withLockedValue { state in
            if state.closedReason == nil { state.closedReason = status }
            let ids = state.entries.keys.filter { $0 > lastCallID }
            return ids.compactMap { state.entries.removeValue(forKey: $0) }
        }
        for entry in notRun { entry.continuation.resume(throwing: RPCCallNotRun(status: status)) }
    }

    /// Fails every waiter and refuses later ones.
    func closeAll(_ reason: RPCError) {
        let (entries, sweep) = state.withLockedValue { state in
            if state.closedReason == nil { state.closedReason = reason }
            defer {
                state.entries.removeAll()
                state.sweep = nil
            }
            return (Array(state.entries.values), state.sweep?.timer)
        }
        sweep?.cancel()
        for entry in entries {
            entry.continuation.resume(throwing: reason)
        }
    }
}

