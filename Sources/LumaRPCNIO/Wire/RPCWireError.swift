import LumaRPC

/// A violation of the wire protocol. The connection that saw it is closed after a GoAway
/// carrying `status`.
public enum RPCWireError: Error, Sendable, Equatable, CustomStringConvertible {
    case badPreface(detail: String)
    case unsupportedVersion(UInt16)
    case frameTooLarge(declared: UInt64, limit: Int)
    case malformedFrame(detail: String)
    case protocolViolation(detail: String)

    public var description: String {
        switch self {
        case .badPreface(let detail):
            return "bad connection preface (expected 'LUMA' + version \(ConnectionPreface.version)): \(detail)"
        case .unsupportedVersion(let version):
            return "unsupported protocol version \(version); this peer speaks \(ConnectionPreface.version)"
        case .frameTooLarge(let declared, let limit):
            return "frame of \(declared) bytes exceeds the maximum frame size of \(limit) bytes"
        case .malformedFrame(let detail):
            return "malformed frame: \(detail)"
        case .protocolViolation(let detail):
            return "protocol violation: \(detail)"
        }
    }

    /// The status sent in the GoAway that closes the connection.
    public var status: RPCError {
        switch self {
        case .frameTooLarge: return RPCError(.resourceExhausted, description)
        case .unsupportedVersion: return RPCError(.unimplemented, description)
        default: return RPCError(.invalidArgument, description)
        }
    }
}
