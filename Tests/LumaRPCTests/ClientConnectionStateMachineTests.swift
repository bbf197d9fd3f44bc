import NIOCore
import Testing
@testable import LumaRPC
@testable import LumaRPCNIO

/// The client connection's rules, fed events: no channel, no clock.
@Suite("Client connection state machine")
struct ClientConnectionStateMachineTests {
    let keepalive = RPCKeepalive(interval: .milliseconds(500), timeout: .seconds(2))

    @Test func aSilentServerIsPingedThenGivenUpOn() {
        var machine = ClientConnectionStateMachine(keepalive: keepalive)
        let decisions = (0..<6).map { _ in machine.tick(callsInFlight: 1) }
        // Ping on the first silent tick, then four ticks of 500 ms (2 s) without an answer.
        #expect(decisions == [.sendPing(nonce: 1), .nothing, .nothing, .nothing, .closeUnresponsive, .nothing])
        #expect(machine.unresponsive)
    }

    @Test func aPongOrAnyFrameIsAnAnswer() {
        var machine = ClientConnectionStateMachine(keepalive: keepalive)
        var first = machine.tick(callsInFlight: 1)
        #expect(first == .sendPing(nonce: 1))
        machine.pong(nonce: 1)
        first = machine.tick(callsInFlight: 1)
        #expect(first == .sendPing(nonce: 2))
        machine.bytesRead()                       // a response, say
        let quiet = machine.tick(callsInFlight: 1)
        #expect(quiet == .nothing)
        machine.pong(nonce: 99)                   // a stale pong answers nothing
        let next = machine.tick(callsInFlight: 1)
        #expect(next == .sendPing(nonce: 3))
        #expect(!machine.unresponsive)
    }

    @Test func noCallsNoPings() {
        var machine = ClientConnectionStateMachine(keepalive: keepalive)
        for _ in 0..<100 {
            let decision = machine.tick(callsInFlight: 0)
            #expect(decision == .nothing)
        }
    }

    @Test func thePrefaceCompletesOnceAndGoAwayIsRemembered() {
        var machine = ClientConnectionStateMachine(keepalive: keepalive)
        let first = machine.prefaceCompleted(), second = machine.prefaceCompleted()
        #expect(first && !second)
        machine.goAwayReceived(RPCError(.ok, "server is shutting down"), lastCallID: 41)
        #expect(machine.goAway?.lastCallID == 41)
    }
}
