/// Named places in a service's code where a test can hold a call, so that a race between two
/// operations can be forced in each order instead of hoped for (see docs/integrity.md).
///
/// Production code passes `.none`: `reached` is then one nil check. Tests pass a hook, usually
/// `PauseController.points` from LumaTestSupport, which suspends the call at an armed point
/// until the test resumes it.
public struct PausePoints: Sendable {
    public typealias Hook = @Sendable (PausePoint) async -> Void

    private let hook: Hook?

    public init(_ hook: Hook?) {
        self.hook = hook
    }

    public static let none = PausePoints(nil)

    /// Called by the service at `point`; returns at once unless a test holds it there.
    public func reached(_ point: PausePoint) async {
        if let hook { await hook(point) }
    }
}

/// The name of a pause point. Each service declares its own as static members.
public struct PausePoint: Hashable, Sendable, CustomStringConvertible {
    public let name: String

    public init(_ name: String) {
        self.name = name
    }

    public var description: String { name }
}
