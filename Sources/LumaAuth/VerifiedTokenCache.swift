import Foundation

/// The tokens a server has verified, with their principal, until they expire: verifying one
/// (base64url, HMAC-SHA256, a JSON decode) cost more than the rest of a small call, and a
/// caller sends the same token on many calls (lumactl, the studio: one per person per two
/// minutes; services: one per five minutes, `AuthClientInterceptor`). A hit is the same token
/// string verified before, so it carries the same claims; its expiry is checked on every call.
/// Tokens cannot be revoked before they expire either way (they are stateless), so the cache
/// changes no rule. Bounded: when full, expired entries go, and if none had, all do.
final class VerifiedTokenCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: (principal: Principal, expires: Int64)] = [:]
    let capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    /// The principal of `token` if it was verified and has not expired at `now`.
    func principal(for token: String, now: Int64) -> Principal? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries[token] else { return nil }
        guard now < entry.expires else {
            entries[token] = nil
            return nil
        }
        return entry.principal
    }

    func insert(_ token: String, principal: Principal, expires: Int64, now: Int64) {
        lock.lock()
        defer { lock.unlock() }
        if entries.count >= capacity {
            entries = entries.filter { now < $0.value.expires }
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        }
        entries[token] = (principal, expires)
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }
}
