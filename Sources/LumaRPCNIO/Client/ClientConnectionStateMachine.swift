import LumaRPC

/// The rules of one client connection, as a value type: the server's preface, its GoAway, and
/// the keepalive (see `RPCKeepalive`), counted in ticks of the keepalive interval so they need
/// no clock. `ClientConnectionHandler` feeds it events and carries out its decisions; the rules
/// are tested by feeding events (`ClientConnectionStateMachineTests`), the handler on an
/// `NIOAsyncTestingChannel` in virtual time.
struct ClientConnectionStateMachine {
    enum TickDecision: Equatable {
        case nothing
        case sendPing(nonce: UInt64)
        /// No answer within the keepalive timeout: the server is hung.
        case closeUnresponsive
    }

    let keepalive: RPCKeepalive
    private(set) var prefaceReceived = false
    private(set) var goAway: (status: RPCError, lastCallID: UInt64)?
    private(set) var unresponsive = false
    /// Something arrived from the server since the last tick.
    private var readSinceTick = false
    /// The unanswered Ping and the ticks it has waited.
    private var outstandingPing: (nonce: UInt64, ticks: Int)?
    private var nextNonce: UInt64 = 1

    init(keepalive: RPCKeepalive) {
        self.keepalive = keepalive
    }

    mutating func bytesRead() {
        readSinceTick = true
    }

    /// True the first time: the connection is established.
    mutating func prefaceCompleted() -> Bool {
        guard !prefaceReceived else { return false }
        prefaceReceived = true
        return true
    }

    mutating func pong(nonce: UInt64) {
        if outstandingPing?.nonce == nonce { outstandingPing = nil }
    }

    mutating func goAwayReceived(_ status: RPCError, lastCallID: UInt64) {
        goAway = (status, lastCallID)
    }

    /// One keepalive interval passed with `callsInFlight` calls waiting.
    mutating func tick(callsInFlight: Int) -> TickDecision {
        defer { readSinceTick = false }
        if unresponsive { return .nothing }    // already given up: the handler is closing
        if readSinceTick {
            outstandingPing = nil
            return .nothing
        }
        if var ping = outstandingPing {
            ping.ticks += 1
            outstandingPing = ping
            if ping.ticks >= keepalive.ticksToWait {
                unresponsive = true
                return .closeUnresponsive
            }
            return .nothing
        }
        guard callsInFlight > 0 else { return .nothing }
        let nonce = nextNonce
        nextNonce &+= 1
        outstandingPing = (nonce, 0)
        return .sendPing(nonce: nonce)
    }
}
