import LumaRPC

// Status codes and errors as the wire envelope carries them (frame.proto's Code and Status).

extension RPCStatusCode {
    /// Unknown numbers from a newer peer map to UNKNOWN, as gRPC does.
    init(_ wire: Luma_Rpc_V1_Code) {
        self = RPCStatusCode(rawValue: wire.rawValue) ?? .unknown
    }

    var wire: Luma_Rpc_V1_Code { Luma_Rpc_V1_Code(rawValue: rawValue) ?? .unknown }
}

extension RPCError {
    init(_ status: Luma_Rpc_V1_Status) {
        self.init(RPCStatusCode(status.code), status.message, field: status.field, origin: status.origin)
    }

    var wireStatus: Luma_Rpc_V1_Status {
        var status = Luma_Rpc_V1_Status()
        status.code = code.wire
        status.message = message
        status.field = field
        status.origin = origin
        return status
    }
}
