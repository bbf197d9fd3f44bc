import Logging
import NIOCore

/// What a handler knows about the call it is serving.
public struct RPCServerContext: Sendable {
    public let method: RPCMethodDescriptor
    /// The client-chosen correlation id of this call on its connection.
    public let callID: UInt64
    /// Request metadata ("authorization", "trace-id", ...).
    public let metadata: [String: String]
    /// When the caller stops waiting; nil when it set no deadline.
    public let deadline: NIODeadline?
    /// The remote address, for logs.
    public let peer: String
    /// Who the caller's TLS client certificate says it is (its common name, e.g.
    /// "content-pipeline"), verified against the server's client CA; nil without mutual TLS.
    /// It identifies the connection, not the caller's rights: those come from its token.
    public let peerIdentity: String?
    private let baseLogger: Logger

    /// A logger whose every line carries `call-id`, `trace-id` and `method`. Built on access,
    /// so calls that never log pay nothing for it.
    public var logger: Logger {
        var logger = baseLogger
        logger[metadataKey: "call-id"] = "\(callID)"
        logger[metadataKey: "method"] = "\(method.fullName)"
        if !traceID.isEmpty { logger[metadataKey: "trace-id"] = "\(traceID)" }
        return logger
    }

    public var traceID: String { metadata[RPCMetadataKey.traceID] ?? "" }

    /// Time left before the deadline, or nil if there is none.
    public var remainingTime: TimeAmount? {
        deadline.map { $0 - .now() }
    }

    public init(
        method: RPCMethodDescriptor, callID: UInt64, metadata: [String: String],
        deadline: NIODeadline?, peer: String, peerIdentity: String? = nil, logger: Logger
    ) {
        self.method = method
        self.callID = callID
        self.metadata = metadata
        self.deadline = deadline
        self.peer = peer
        self.peerIdentity = peerIdentity
        self.baseLogger = logger
    }

    /// The same call with one metadata entry set: for an interceptor that maps one header onto
    /// another (tracing derives "trace-id" from "traceparent").
    public func settingMetadata(_ value: String, forKey key: String) -> RPCServerContext {
        var metadata = self.metadata
        metadata[key] = value
        return RPCServerContext(method: method, callID: callID, metadata: metadata, deadline: deadline, peer: peer,
                                peerIdentity: peerIdentity, logger: baseLogger)
    }
}

/// Metadata keys the framework itself reads.
public enum RPCMetadataKey {
    /// Carried from a handler into the calls it makes, so one request is traceable across services.
    public static let traceID = "trace-id"
    public static let authorization = "authorization"
}
