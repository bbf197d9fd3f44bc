import CreatorRegistry
import HummingbirdBcrypt
import NIOPosix

/// Users' passwords with bcrypt (hummingbird-auth's implementation of the OpenBSD algorithm) on
/// NIO's thread pool, so a hash (tens of milliseconds by design) never holds up the cooperative
/// pool.
public struct BcryptPasswordHasher: PasswordHasher {
    public static let cost: UInt8 = 10
    static let decoy = Bcrypt.hash("luma: no such user", cost: cost)

    public init() {}

    public var decoyHash: String { Self.decoy }

    public func hash(_ password: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: Self.cost) }
    }

    public func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}
