import NIOCore

/// The task-local scope a server handler runs in. A client call made inside a handler reads it,
/// so the caller's remaining time and trace id flow to the next service with no code in the
/// handler (gRPC calls this deadline propagation).
public struct RPCCallScope: Sendable {
    public var deadline: NIODeadline?
    public var traceID: String

    public init(deadline: NIODeadline?, traceID: String) {
        self.deadline = deadline
        self.traceID = traceID
    }

    @TaskLocal public static var current: RPCCallScope?
}
