import NIOCore

/// Jittered exponential backoff for reconnecting, with gRPC's connection-backoff defaults:
/// 1 s initial, x1.6 per failure, 20 % jitter, capped at 120 s (we cap lower: 5 s, because
/// services on one host come back quickly).
public struct RPCBackoff: Sendable {
    public var initial: TimeAmount = .milliseconds(100)
    public var multiplier: Double = 1.6
    public var jitter: Double = 0.2
    public var maximum: TimeAmount = .seconds(5)

    public init() {}

    /// The wait after `failures` consecutive failed attempts (1 = the first failure).
    public func delay(afterFailures failures: Int) -> TimeAmount {
        let exponent = Double(max(0, failures - 1))
        let base = min(Double(initial.nanoseconds) * pow(multiplier, exponent), Double(maximum.nanoseconds))
        let jittered = base * Double.random(in: (1 - jitter)...(1 + jitter))
        return .nanoseconds(Int64(jittered))
    }
}

import Foundation
