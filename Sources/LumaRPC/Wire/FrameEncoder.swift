import NIOCore
import SwiftProtobuf

/// Serializes a `Frame` as a 4-byte big-endian length and its protobuf bytes.
enum FrameEncoder {
    static func encode(_ frame: Luma_Rpc_V1_Frame, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        let body: [UInt8] = try frame.serializedBytes()
        var buffer = allocator.buffer(capacity: 4 + body.count)
        buffer.writeInteger(UInt32(body.count))
        buffer.writeBytes(body)
        return buffer
    }

    /// Decodes a frame body produced by `FrameParser`.
    static func decode(_ body: ByteBuffer) throws(RPCWireError) -> Luma_Rpc_V1_Frame {
        do {
            return try body.withUnsafeReadableBytes { raw in
                try Luma_Rpc_V1_Frame(serializedBytes: Array(raw))
            }
        } catch {
            throw .malformedFrame(detail: "not a luma.rpc.v1.Frame (\(error))")
        }
    }
}
