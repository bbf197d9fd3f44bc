import LumaRPC
import Foundation
import NIOCore
import SwiftProtobuf

/// Serializes a `Frame` as a 4-byte big-endian length and its protobuf bytes.
enum FrameEncoder {
    /// Requests and responses take the hand-written path (`CallFrameCodec`); other frames
    /// SwiftProtobuf's, which writes the body right after the length: one allocation either way.
    static func encode(_ frame: Luma_Rpc_V1_Frame) throws -> ByteBuffer {
        // Unknown fields of the frame itself go out through SwiftProtobuf, which keeps them (the
        // fast path writes only the request or response: found by Fuzz/FuzzFrame).
        switch frame.unknownFields.data.isEmpty ? frame.kind : nil {
        case .request(let request):
            if let buffer = CallFrameCodec.encode(request) { return buffer }
        case .response(let response):
            if let buffer = CallFrameCodec.encode(response) { return buffer }
        default:
            break
        }
        let bytes: LengthPrefixedBytes = try frame.serializedBytes()
        return bytes.buffer
    }

    /// Decodes a frame body produced by `FrameParser`.
    static func decode(_ body: ByteBuffer) throws(RPCWireError) -> Luma_Rpc_V1_Frame {
        if let frame = CallFrameCodec.decode(body) { return frame }
        do {
            return try body.withUnsafeReadableBytes { raw in
                // No copy of the frame: SwiftProtobuf copies `bytes` fields out while decoding,
                // so nothing refers to `raw` after this closure.
                guard let base = raw.baseAddress else { return Luma_Rpc_V1_Frame() }
                let view = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: raw.count, deallocator: .none)
                return try Luma_Rpc_V1_Frame(serializedBytes: view)
            }
        } catch {
            throw .malformedFrame(detail: "not a luma.rpc.v1.Frame (\(error))")
        }
    }
}
