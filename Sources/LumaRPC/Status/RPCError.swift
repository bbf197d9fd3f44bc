/// The error a handler throws, and a client receives, for a call that did not succeed.
///
/// `code` is gRPC's status code; `message` is safe to show to the caller; `field` names the
/// offending request field where there is one (e.g. "reference", "creator.email"); `origin`
/// names the service a relayed failure comes from (a server whose dependency is down answers
/// UNAVAILABLE with that dependency's name), so a client can say which service failed.
/// Handlers throw it to choose the status; any other error becomes `INTERNAL` with a generic
/// message so internals never leak (the real error is logged with the call's correlation id).
public struct RPCError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: RPCStatusCode
    public var message: String
    public var field: String
    public var origin: String

    public init(_ code: RPCStatusCode, _ message: String, field: String = "", origin: String = "") {
        self.code = code
        self.message = message
        self.field = field
        self.origin = origin
    }

    /// `NOT_FOUND: creator 42 does not exist (field: creator_id)`.
    public var description: String {
        field.isEmpty ? "\(code): \(message)" : "\(code): \(message) (field: \(field))"
    }

    public static func invalidArgument(_ message: String, field: String = "") -> RPCError {
        RPCError(.invalidArgument, message, field: field)
    }
    public static func notFound(_ message: String, field: String = "") -> RPCError {
        RPCError(.notFound, message, field: field)
    }
    public static func alreadyExists(_ message: String, field: String = "") -> RPCError {
        RPCError(.alreadyExists, message, field: field)
    }
    public static func failedPrecondition(_ message: String, field: String = "") -> RPCError {
        RPCError(.failedPrecondition, message, field: field)
    }
    public static func unavailable(_ message: String, origin: String = "") -> RPCError {
        RPCError(.unavailable, message, origin: origin)
    }
    public static func internalError(_ message: String = "internal error") -> RPCError {
        RPCError(.internalError, message)
    }
}
