import LumaRPC
import NIOCore

/// The rules of one server connection, as a value type: its phases, its call table, and every
/// timing rule (deadlines, stall, trickle, idle, drain, linger), with no channel, no clock and
/// no timers of its own. `ServerConnectionHandler` feeds it events with the event loop's `now`
/// and carries out the actions it returns, so the rules are tested by feeding events with
/// chosen times (`ServerConnectionStateMachineTests`), and the handler on an
/// `NIOAsyncTestingChannel` whose clock the test advances.
///
///     awaitingPreface --preface--> open --quiesce / client GoAway--> draining
///            |                      |                                   | no calls left
///            |                      |                                   v
///            +--------- protocol error, stall, trickle, idle -----> closing (output half-closed,
///                                                                    lingering, then closed)
struct ServerConnectionStateMachine {
    enum Phase: Equatable {
        case awaitingPreface
        case open
        /// GoAway sent (or received): in-flight calls finish, new requests are refused.
        case draining
        /// Output closed (or closing); reading only to let the peer's FIN arrive.
        case closing
    }

    /// What the handler does with a request.
    enum RequestDecision: Equatable {
        /// Run the handler; the call expires at `deadline`.
        case run(deadline: NIODeadline?)
        /// Answer at once with this status; nothing runs.
        case refuse(RPCError)
        /// Close the connection after a GoAway with this error.
        case violation(RPCWireError)
    }

    /// What the watchdog timer decided.
    enum WatchdogDecision: Equatable {
        /// Send GoAway with this status and close.
        case close(RPCError)
        /// Close without a GoAway (the linger after a graceful drain ran out).
        case closeNow
        /// Fire again at this time.
        case rearm(NIODeadline)
    }

    let limits: RPCConnectionLimits
    private(set) var phase: Phase = .awaitingPreface
    /// Calls accepted and not yet answered, with their deadlines.
    private(set) var calls: [UInt64: NIODeadline?] = [:]
    /// The id of the last request accepted to run: what a GoAway reports, so the client knows
    /// that later requests did not run.
    private(set) var lastAcceptedCallID: UInt64 = 0
    private let openedAt: NIODeadline
    private var receivedAny = false
    private var lastRead: NIODeadline
    private var lastActivity: NIODeadline
    /// When the frame (or preface) now partly received began to arrive; nil between frames.
    private var partialSince: NIODeadline?
    private var closingSince: NIODeadline?

    init(limits: RPCConnectionLimits, now: NIODeadline) {
        self.limits = limits
        self.openedAt = now
        self.lastRead = now
        self.lastActivity = now
    }

    // MARK: Input

    /// Bytes arrived and were parsed: `completedFrame` if at least one frame (or the preface)
    /// completed, `partialRemains` if the buffer now ends inside one.
    mutating func bytesRead(now: NIODeadline, completedFrame: Bool, partialRemains: Bool) {
        receivedAny = true
        lastRead = now
        if completedFrame {
            lastActivity = now
            partialSince = partialRemains ? now : nil
        } else if partialSince == nil {
            partialSince = now
        }
    }

    mutating func prefaceReceived() {
        if phase == .awaitingPreface { phase = .open }
    }

    /// A request arrived. A `synchronous` one (its handler answers before the event loop does
    /// anything else) never enters the call table: no deadline or Cancel can overtake it.
    mutating func request(id: UInt64, method: @autoclosure () -> String, knownMethod: Bool, synchronous: Bool = false,
                          timeoutMicros: UInt64, now: NIODeadline) -> RequestDecision {
        guard id != 0 else { return .violation(.protocolViolation(detail: "call_id 0 is reserved")) }
        guard calls[id] == nil else { return .violation(.protocolViolation(detail: "call_id \(id) is already in flight")) }
        switch phase {
        case .draining, .closing:
            return .refuse(RPCError.unavailable(
                "server is shutting down; call \(id) was not run (last call accepted: \(lastAcceptedCallID)); retry on another connection"))
        case .awaitingPreface, .open:
            break
        }
        guard synchronous || calls.count < limits.maxConcurrentCalls else {
            return .refuse(RPCError(.resourceExhausted, "too many calls in flight on this connection (limit \(limits.maxConcurrentCalls))"))
        }
        guard knownMethod else { return .refuse(RPCError(.unimplemented, "unknown method '\(method().prefix(200))'", field: "method")) }
        let deadline: NIODeadline? = timeoutMicros > 0 ? now + .microseconds(Int64(clamping: timeoutMicros)) : nil
        lastAcceptedCallID = id
        if synchronous {
            lastActivity = now
        } else {
            calls[id] = deadline
        }
        return .run(deadline: deadline)
    }

    /// A call's handler finished. True if its response should be sent (false: the deadline or
    /// a Cancel already answered it).
    mutating func callFinished(id: UInt64, now: NIODeadline) -> Bool {
        guard calls.removeValue(forKey: id) != nil else { return false }
        lastActivity = now
        return true
    }

    /// A Cancel frame: true if the call was in flight (answer CANCELLED, cancel its task).
    mutating func cancel(id: UInt64) -> Bool {
        calls.removeValue(forKey: id) != nil
    }

    // MARK: Deadlines

    /// Removes and returns the calls whose deadline has passed, and the next deadline to wake at.
    mutating func expireCalls(now: NIODeadline) -> (expired: [UInt64], next: NIODeadline?) {
        var expired: [UInt64] = []
        var next: NIODeadline?
        for (id, deadline) in calls {
            guard let deadline else { continue }
            if deadline <= now {
                expired.append(id)
            } else {
                next = next.map { min($0, deadline) } ?? deadline
            }
        }
        for id in expired { calls.removeValue(forKey: id) }
        return (expired.sorted(), next)
    }

    // MARK: Closing

    /// Graceful shutdown (server) or GoAway (client): stop taking calls. True the first time,
    /// when the server sends its GoAway (`fromClient: false`).
    mutating func beginDraining() -> Bool {
        switch phase {
        case .awaitingPreface, .open:
            phase = .draining
            return true
        case .draining, .closing:
            return false
        }
    }

    /// True when draining and no call is left: the handler half-closes its output (the peer
    /// reads every response, then sees FIN) and lingers reading until the peer closes.
    mutating func shouldFinishDraining(now: NIODeadline) -> Bool {
        guard phase == .draining, calls.isEmpty else { return false }
        phase = .closing
        closingSince = now
        return true
    }

    /// The connection is being closed for an error: nothing more is done.
    mutating func closeForError(now: NIODeadline) {
        phase = .closing
        closingSince = now
    }

    // MARK: The watchdog

    /// One timer covers every connection-level timeout; this decides what it does at `now`.
    mutating func watchdog(now: NIODeadline) -> WatchdogDecision {
        if phase == .closing {
            let end = (closingSince ?? now) + limits.lingerTimeout
            return now >= end ? .closeNow : .rearm(end)
        }
        let stall = limits.stallTimeout
        if !receivedAny {
            if now - openedAt >= stall {
                return .close(RPCError(.deadlineExceeded, "no connection preface received within \(Self.milliseconds(stall)) ms"))
            }
        } else if let partialSince {
            if now - lastRead >= stall {
                return .close(RPCError(.deadlineExceeded, "no bytes for \(Self.milliseconds(stall)) ms in the middle of a frame"))
            }
            if now - partialSince >= limits.frameTimeout {
                return .close(RPCError(.deadlineExceeded,
                    "no frame completed within \(Self.milliseconds(limits.frameTimeout)) ms (bytes kept trickling in)"))
            }
        }
        if calls.isEmpty && now - lastActivity >= limits.idleTimeout {
            return .close(RPCError(.ok, "idle timeout"))
        }
        if !calls.isEmpty { lastActivity = now }
        return .rearm(nextWatchdog)
    }

    /// When the watchdog must next look, given what has arrived so far.
    var nextWatchdog: NIODeadline {
        if phase == .closing { return (closingSince ?? lastRead) + limits.lingerTimeout }
        var next = lastActivity + limits.idleTimeout
        if !receivedAny {
            next = min(next, openedAt + limits.stallTimeout)
        } else if let partialSince {
            next = min(next, lastRead + limits.stallTimeout, partialSince + limits.frameTimeout)
        }
        return next
    }

    private static func milliseconds(_ amount: TimeAmount) -> Int64 {
        amount.nanoseconds / 1_000_000
    }
}
