import NIOCore
import Testing
@testable import LumaRPC
@testable import LumaRPCNIO

/// The server connection's rules, fed events at chosen times: no channel, no clock.
@Suite("Server connection state machine")
struct ServerConnectionStateMachineTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
    var limits: RPCConnectionLimits {
        var limits = RPCConnectionLimits()
        limits.stallTimeout = .seconds(10)
        limits.frameTimeout = .seconds(30)
        limits.idleTimeout = .seconds(300)
        limits.lingerTimeout = .seconds(2)
        return limits
    }

    func open(maxCalls: Int = 16) -> ServerConnectionStateMachine {
        var limits = self.limits
        limits.maxConcurrentCalls = maxCalls
        var machine = ServerConnectionStateMachine(limits: limits, now: start)
        machine.bytesRead(now: start, completedFrame: true, partialRemains: false)
        machine.prefaceReceived()
        return machine
    }

    func at(_ seconds: Int64) -> NIODeadline { start + .seconds(seconds) }

    @Test func aSilentConnectionIsToldItSentNoPreface() {
        var machine = ServerConnectionStateMachine(limits: limits, now: start)
        let early = machine.watchdog(now: at(9)), late = machine.watchdog(now: at(10))
        #expect(early == .rearm(at(10)))
        #expect(late == .close(RPCError(.deadlineExceeded, "no connection preface received within 10000 ms")))
    }

    @Test func aPeerStalledMidFrameIsClosed() {
        var machine = open()
        machine.bytesRead(now: at(1), completedFrame: false, partialRemains: true)
        let early = machine.watchdog(now: at(5)), late = machine.watchdog(now: at(11))
        #expect(early == .rearm(at(11)))
        #expect(late == .close(RPCError(.deadlineExceeded, "no bytes for 10000 ms in the middle of a frame")))
    }

    @Test func aTricklingPeerIsClosedWhenItsFrameDoesNotCompleteInTime() {
        var machine = open()
        // One byte every 5 s: never stalled, never complete.
        for second in stride(from: Int64(1), through: 30, by: 5) {
            machine.bytesRead(now: at(second), completedFrame: false, partialRemains: true)
            if case .close = machine.watchdog(now: at(second)) { Issue.record("closed too early at \(second) s") }
        }
        let late = machine.watchdog(now: at(31))
        #expect(late == .close(RPCError(.deadlineExceeded, "no frame completed within 30000 ms (bytes kept trickling in)")))
    }

    @Test func completedFramesRestartTheFrameClock() {
        var machine = open()
        for second in stride(from: Int64(1), through: 100, by: 5) {
            machine.bytesRead(now: at(second), completedFrame: true, partialRemains: true)   // a frame done, the next begun
            let decision = machine.watchdog(now: at(second + 1))
            #expect(decision == .rearm(at(second + 10)))
        }
    }

    @Test func anIdleConnectionIsClosedButNotOneWithACallInFlight() {
        var idle = open()
        let early = idle.watchdog(now: at(299)), late = idle.watchdog(now: at(300))
        #expect(early == .rearm(at(300)))
        #expect(late == .close(RPCError(.ok, "idle timeout")))

        var busy = open()
        let run = busy.request(id: 1, method: "m", knownMethod: true, timeoutMicros: 0, now: at(1))
        let whileBusy = busy.watchdog(now: at(400))
        let finished = busy.callFinished(id: 1, now: at(500))
        let afterwards = busy.watchdog(now: at(800))
        #expect(run == .run(deadline: nil))
        #expect(whileBusy == .rearm(at(700)))
        #expect(finished)
        #expect(afterwards == .close(RPCError(.ok, "idle timeout")))
    }

    @Test func requestsAreRunRefusedOrViolations() {
        var machine = open(maxCalls: 2)
        func request(_ id: UInt64, known: Bool = true, micros: UInt64 = 0, method: String = "m") -> ServerConnectionStateMachine.RequestDecision {
            machine.request(id: id, method: method, knownMethod: known, timeoutMicros: micros, now: at(1))
        }
        let zero = request(0), seven = request(7, micros: 2_000_000), again = request(7)
        let unknown = request(8, known: false, method: "luma.x/Y"), nine = request(9), ten = request(10)
        #expect(zero == .violation(.protocolViolation(detail: "call_id 0 is reserved")))
        #expect(seven == .run(deadline: at(3)))
        #expect(again == .violation(.protocolViolation(detail: "call_id 7 is already in flight")))
        #expect(unknown == .refuse(RPCError(.unimplemented, "unknown method 'luma.x/Y'", field: "method")))
        #expect(nine == .run(deadline: nil))
        #expect(ten == .refuse(RPCError(.resourceExhausted, "too many calls in flight on this connection (limit 2)")))
        #expect(machine.lastAcceptedCallID == 9)
    }

    @Test func aSynchronousCallIsAcceptedButNeverEntersTheCallTable() {
        var machine = open(maxCalls: 1)
        let held = machine.request(id: 1, method: "m", knownMethod: true, timeoutMicros: 0, now: at(1))
        // The cap is on calls in flight; a synchronous one is over before anything else runs.
        let inPlace = machine.request(id: 2, method: "m", knownMethod: true, synchronous: true, timeoutMicros: 0, now: at(2))
        let clash = machine.request(id: 1, method: "m", knownMethod: true, synchronous: true, timeoutMicros: 0, now: at(3))
        #expect(held == .run(deadline: nil) && inPlace == .run(deadline: nil))
        #expect(clash == .violation(.protocolViolation(detail: "call_id 1 is already in flight")))
        #expect(Array(machine.calls.keys) == [1])
        #expect(machine.lastAcceptedCallID == 2)

        // It counts as activity for the idle rule, as a finished call does.
        var quiet = open()
        _ = quiet.request(id: 9, method: "m", knownMethod: true, synchronous: true, timeoutMicros: 0, now: at(100))
        #expect(quiet.watchdog(now: at(350)) == .rearm(at(400)))
    }

    @Test func eachCallExpiresAtItsOwnDeadline() {
        var machine = open()
        _ = machine.request(id: 1, method: "m", knownMethod: true, timeoutMicros: 5_000_000, now: at(0))
        _ = machine.request(id: 2, method: "m", knownMethod: true, timeoutMicros: 2_000_000, now: at(0))
        _ = machine.request(id: 3, method: "m", knownMethod: true, timeoutMicros: 0, now: at(0))
        let first = machine.expireCalls(now: at(1)), second = machine.expireCalls(now: at(2))
        let lateFinish = machine.callFinished(id: 2, now: at(3))
        let third = machine.expireCalls(now: at(6))
        let cancelled = machine.cancel(id: 3), cancelledAgain = machine.cancel(id: 3)
        #expect(first.expired.isEmpty && first.next == at(2))
        #expect(second.expired == [2] && second.next == at(5))
        #expect(!lateFinish)     // already answered DEADLINE_EXCEEDED
        #expect(third.expired == [1] && third.next == nil)
        #expect(cancelled && !cancelledAgain)
    }

    @Test func drainingFinishesCallsRefusesNewOnesThenLingers() {
        var machine = open()
        _ = machine.request(id: 4, method: "m", knownMethod: true, timeoutMicros: 0, now: at(0))
        let began = machine.beginDraining(), beganAgain = machine.beginDraining()
        let late = machine.request(id: 5, method: "m", knownMethod: true, timeoutMicros: 0, now: at(1))
        let tooSoon = machine.shouldFinishDraining(now: at(1))
        let finished = machine.callFinished(id: 4, now: at(2))
        let done = machine.shouldFinishDraining(now: at(2))
        #expect(began && !beganAgain)
        #expect(late == .refuse(RPCError.unavailable(
            "server is shutting down; call 5 was not run (last call accepted: 4); retry on another connection")))
        #expect(!tooSoon && finished && done)
        #expect(machine.phase == .closing)
        let lingering = machine.watchdog(now: at(3)), over = machine.watchdog(now: at(4))
        #expect(lingering == .rearm(at(4)))
        #expect(over == .closeNow)
    }
}
