import NIOConcurrencyHelpers

/// A one-shot signal that any number of tasks can await. (An `EventLoopPromise` would do, but
/// NIO asserts in debug builds when a promise is dropped uncompleted, and a server that is
/// created and never started is dropped exactly so.)
final class StopSignal: Sendable {
    private let state = NIOLockedValueBox<(signalled: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func signal() {
        let waiters = state.withLockedValue { state in
            state.signalled = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let signalled = state.withLockedValue { state in
                if !state.signalled { state.waiters.append(continuation) }
                return state.signalled
            }
            if signalled { continuation.resume() }
        }
    }
}
