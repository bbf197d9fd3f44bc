/// How users' passwords are hashed and checked: a port, so the domain names no algorithm. The
/// executable and the tests pass `BcryptPasswordHasher` (CreatorRegistryAdapters). A hash is
/// slow by design; an implementation must not hold up the cooperative pool while it runs.
public protocol PasswordHasher: Sendable {
    /// A new hash of `password` (salted; the string stored in `users.password_hash`).
    func hash(_ password: String) async throws -> String
    /// Whether `password` is the one `hash` was made from.
    func verify(_ password: String, hash: String) async throws -> Bool
    /// A hash of no user's password, checked when the email is unknown so that the answer takes
    /// as long either way.
    var decoyHash: String { get }
}
