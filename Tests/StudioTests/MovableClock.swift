import NIOConcurrencyHelpers

/// A clock whose time moves only when told (`advance`), for the session store in tests: an idle
/// timeout is checked without waiting for it. Sleeping on it waits until someone advances it
/// past the deadline (checked every few milliseconds; only the persist driver's tidy sleeps).
final class MovableClock: Clock, Sendable {
    struct Instant: InstantProtocol, Sendable {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
    }

    private let time = NIOLockedValueBox(Instant(offset: .zero))

    init() {}

    var now: Instant { time.withLockedValue { $0 } }
    var minimumResolution: Duration { .nanoseconds(1) }

    func advance(_ duration: Duration) {
        time.withLockedValue { $0 = $0.advanced(by: duration) }
    }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        while now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
