import LumaServiceKit
import NIOConcurrencyHelpers

/// Holds service calls at named pause points so a test can force the order of a race:
///
///     let pauses = PauseController()
///     let held = pauses.arm(VerseRegistryPausePoints.afterContentCheck)
///     async let claim = registry.claimVerse(...)       // runs until the pause point
///     await held.reached()                              // the claim checked, and waits
///     ... delete the content, deliver the release ...  // the other side of the race
///     held.resume()                                     // the claim goes on
///
/// Only armed points hold a call, and each arming holds exactly one (the first to arrive);
/// everything else runs through. No sleeps: the test and the call wait on each other.
public final class PauseController: Sendable {
    private let armed = NIOLockedValueBox<[PausePoint: [PausedCall]]>([:])

    public init() {}

    /// The hook to give the services under test.
    public var points: PausePoints {
        PausePoints { point in await self.arrive(at: point) }
    }

    /// Holds the next call that reaches `point` (after those already armed for it).
    public func arm(_ point: PausePoint) -> PausedCall {
        let call = PausedCall(point: point)
        armed.withLockedValue { $0[point, default: []].append(call) }
        return call
    }

    private func arrive(at point: PausePoint) async {
        let call: PausedCall? = armed.withLockedValue { armed in
            guard var calls = armed[point], !calls.isEmpty else { return nil }
            let first = calls.removeFirst()
            armed[point] = calls.isEmpty ? nil : calls
            return first
        }
        await call?.hold()
    }
}

/// One call held (or to be held) at a pause point.
public final class PausedCall: Sendable {
    public let point: PausePoint

    private struct State {
        var arrived = false
        var resumed = false
        var arrivalWaiters: [CheckedContinuation<Void, Never>] = []
        var held: CheckedContinuation<Void, Never>?
    }

    private let state = NIOLockedValueBox(State())

    init(point: PausePoint) {
        self.point = point
    }

    /// Returns once a call has arrived at the point (and is held there).
    public func reached() async {
        await withCheckedContinuation { continuation in
            let now = state.withLockedValue { state -> Bool in
                if state.arrived { return true }
                state.arrivalWaiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Lets the held call continue (or lets it through at once if it has not arrived yet).
    public func resume() {
        let held = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.resumed = true
            defer { state.held = nil }
            return state.held
        }
        held?.resume()
    }

    /// Whether a call arrived here.
    public var hasArrived: Bool { state.withLockedValue { $0.arrived } }

    func hold() async {
        await withCheckedContinuation { continuation in
            let (waiters, goOn) = state.withLockedValue { state -> ([CheckedContinuation<Void, Never>], Bool) in
                state.arrived = true
                defer { state.arrivalWaiters = [] }
                if !state.resumed { state.held = continuation }
                return (state.arrivalWaiters, state.resumed)
            }
            for waiter in waiters { waiter.resume() }
            if goOn { continuation.resume() }
        }
    }
}
