import Foundation
import LumaRPC
import NIOCore

/// A request frame as the server reads it. The method name and the payload stay slices of the
/// receive buffer: the method is looked up by its bytes (`ServerMethodTable`), so the common
/// call makes no `String` of it, and the payload is copied once, where a handler needs it.
struct InboundRequest {
    var callID: UInt64 = 0
    /// The method's UTF-8 bytes (validated by the decoder).
    var method = ByteBuffer()
    var timeoutMicros: UInt64 = 0
    var metadata: [String: String] = [:]
    var payload = ByteBuffer()

    init() {}

    /// A request SwiftProtobuf decoded (one the hand-written codec left to it).
    init(_ request: Luma_Rpc_V1_Request) {
        callID = request.callID
        method = ByteBuffer(string: request.method)
        timeoutMicros = request.timeoutMicros
        metadata = request.metadata
        payload = ByteBuffer(bytes: request.payload)
    }

    var methodName: String { String(buffer: method) }

    /// The payload as the handler API takes it: one copy.
    var payloadData: Data { payload.withUnsafeReadableBytes { Data($0) } }
}

extension Luma_Rpc_V1_Request {
    init(_ request: InboundRequest) {
        self.init()
        callID = request.callID
        method = request.methodName
        timeoutMicros = request.timeoutMicros
        metadata = request.metadata
        payload = request.payloadData
    }
}
