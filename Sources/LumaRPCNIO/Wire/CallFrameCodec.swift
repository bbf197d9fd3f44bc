import LumaRPC
import Foundation
import NIOCore

/// A hand-written protobuf codec for the two frames every call sends: a `Frame` holding a
/// `Request`, and a `Frame` holding a `Response`. Every other frame, and anything this codec
/// does not fully understand, goes through SwiftProtobuf (`FrameEncoder`).
///
/// Why hand-write any of it: SwiftProtobuf's generic decoder and its size-then-encode visitors
/// were a fifth of the RPC layer's CPU per call (docs/benchmarks.md). These two messages are
/// a handful of scalar, string, bytes and map<string, string> fields, and their encoding is
/// fixed by the protobuf spec, so the trade is small and checked: tests compare this codec with
/// SwiftProtobuf byte for byte, and on mutated input, decision for decision.
///
/// The rules that keep it exact:
/// - Encoding writes what SwiftProtobuf writes: fields in number order, proto3 defaults
///   omitted, map entries in the dictionary's order with key and value always present, a
///   `Status` only when set. Messages carrying unknown fields are left to SwiftProtobuf.
/// - Decoding accepts only a frame whose single top-level field is a request or response and
///   whose fields are all known with their declared wire types. Anything else (unknown or
///   repeated message fields, bad UTF-8, a truncated varint) returns nil, and SwiftProtobuf
///   decides: it keeps unknown fields, merges repeated messages and reports malformed input.
enum CallFrameCodec {
    private enum FrameField {
        static let request: UInt64 = 1
        static let response: UInt64 = 2
    }

    // MARK: Encoding

    static func encode(_ request: Luma_Rpc_V1_Request) -> ByteBuffer? {
        guard request.unknownFields.data.isEmpty else { return nil }
        let size = ProtoSize.varintField(request.callID)
            + ProtoSize.bytesField(request.method.utf8.count)
            + ProtoSize.varintField(request.timeoutMicros)
            + ProtoSize.mapField(request.metadata)
            + ProtoSize.bytesField(request.payload.count)
        return framed(field: FrameField.request, size: size) { writer in
            writer.varintField(1, request.callID)
            writer.stringField(2, request.method)
            writer.varintField(3, request.timeoutMicros)
            writer.mapField(4, request.metadata)
            writer.bytesField(5, request.payload)
        }
    }

    static func encode(_ response: Luma_Rpc_V1_Response) -> ByteBuffer? {
        guard response.unknownFields.data.isEmpty, response.status.unknownFields.data.isEmpty else { return nil }
        let status = response.status
        let statusSize = ProtoSize.varintField(status.code.wireValue)
            + ProtoSize.bytesField(status.message.utf8.count)
            + ProtoSize.bytesField(status.field.utf8.count)
        let size = ProtoSize.varintField(response.callID)
            + (response.hasStatus ? ProtoSize.messageField(statusSize) : 0)
            + ProtoSize.bytesField(response.payload.count)
            + ProtoSize.mapField(response.metadata)
        return framed(field: FrameField.response, size: size) { writer in
            writer.varintField(1, response.callID)
            if response.hasStatus {
                writer.lengthPrefix(2, statusSize)
                writer.varintField(1, status.code.wireValue)
                writer.stringField(2, status.message)
                writer.stringField(3, status.field)
            }
            writer.bytesField(3, response.payload)
            writer.mapField(4, response.metadata)
        }
    }

    /// [u32 length][tag + length of the Frame's one field][the message's fields], in one
    /// exactly sized allocation.
    private static func framed(field: UInt64, size: Int, _ body: (inout ProtoWriter) -> Void) -> ByteBuffer {
        let frameSize = ProtoSize.messageField(size)
        var buffer = ByteBufferAllocator().buffer(capacity: 4 + frameSize)
        buffer.writeInteger(UInt32(frameSize))
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: frameSize) { raw in
            var writer = ProtoWriter(raw)
            writer.lengthPrefix(field, size)
            body(&writer)
            precondition(writer.offset == frameSize, "call frame size mismatch")
            return frameSize
        }
        return buffer
    }

    // MARK: Decoding

    /// The frame, or nil when it is not a plain request or response (use SwiftProtobuf).
    static func decode(_ body: ByteBuffer) -> Luma_Rpc_V1_Frame? {
        body.withUnsafeReadableBytes { raw in
            var reader = ProtoReader(raw)
            guard let (field, wireType) = reader.tag(), wireType == .lengthDelimited,
                  let content = reader.lengthDelimited(), reader.isAtEnd else { return nil }
            var frame = Luma_Rpc_V1_Frame()
            switch field {
            case FrameField.request:
                guard let request = decodeRequest(content) else { return nil }
                frame.kind = .request(request)
            case FrameField.response:
                guard let response = decodeResponse(content) else { return nil }
                frame.kind = .response(response)
            default:
                return nil
            }
            return frame
        }
    }

    private static func decodeRequest(_ bytes: UnsafeRawBufferPointer) -> Luma_Rpc_V1_Request? {
        var reader = ProtoReader(bytes)
        var request = Luma_Rpc_V1_Request()
        while !reader.isAtEnd {
            guard let (field, wireType) = reader.tag() else { return nil }
            switch (field, wireType) {
            case (1, .varint):
                guard let value = reader.varint() else { return nil }
                request.callID = value
            case (2, .lengthDelimited):
                guard let value = reader.string() else { return nil }
                request.method = value
            case (3, .varint):
                guard let value = reader.varint() else { return nil }
                request.timeoutMicros = value
            case (4, .lengthDelimited):
                guard let entry = reader.lengthDelimited(), let (key, value) = decodeMapEntry(entry) else { return nil }
                request.metadata[key] = value
            case (5, .lengthDelimited):
                guard let value = reader.lengthDelimited() else { return nil }
                request.payload = Data(value)
            default:
                return nil
            }
        }
        return request
    }

    private static func decodeResponse(_ bytes: UnsafeRawBufferPointer) -> Luma_Rpc_V1_Response? {
        var reader = ProtoReader(bytes)
        var response = Luma_Rpc_V1_Response()
        while !reader.isAtEnd {
            guard let (field, wireType) = reader.tag() else { return nil }
            switch (field, wireType) {
            case (1, .varint):
                guard let value = reader.varint() else { return nil }
                response.callID = value
            case (2, .lengthDelimited) where !response.hasStatus:
                // A second Status would be merged into the first: SwiftProtobuf's job.
                guard let content = reader.lengthDelimited(), let status = decodeStatus(content) else { return nil }
                response.status = status
            case (3, .lengthDelimited):
                guard let value = reader.lengthDelimited() else { return nil }
                response.payload = Data(value)
            case (4, .lengthDelimited):
                guard let entry = reader.lengthDelimited(), let (key, value) = decodeMapEntry(entry) else { return nil }
                response.metadata[key] = value
            default:
                return nil
            }
        }
        return response
    }

    private static func decodeStatus(_ bytes: UnsafeRawBufferPointer) -> Luma_Rpc_V1_Status? {
        var reader = ProtoReader(bytes)
        var status = Luma_Rpc_V1_Status()
        while !reader.isAtEnd {
            guard let (field, wireType) = reader.tag() else { return nil }
            switch (field, wireType) {
            case (1, .varint):
                // As SwiftProtobuf does: an enum is an int32 on the wire.
                guard let value = reader.varint(),
                      let code = Luma_Rpc_V1_Code(rawValue: Int(Int32(truncatingIfNeeded: value))) else { return nil }
                status.code = code
            case (2, .lengthDelimited):
                guard let value = reader.string() else { return nil }
                status.message = value
            case (3, .lengthDelimited):
                guard let value = reader.string() else { return nil }
                status.field = value
            default:
                return nil
            }
        }
        return status
    }

    private static func decodeMapEntry(_ bytes: UnsafeRawBufferPointer) -> (String, String)? {
        var reader = ProtoReader(bytes)
        var key = ""
        var value = ""
        while !reader.isAtEnd {
            guard let (field, wireType) = reader.tag(), wireType == .lengthDelimited else { return nil }
            switch field {
            case 1:
                guard let string = reader.string() else { return nil }
                key = string
            case 2:
                guard let string = reader.string() else { return nil }
                value = string
            default:
                return nil
            }
        }
        return (key, value)
    }
}

extension Luma_Rpc_V1_Code {
    /// The varint SwiftProtobuf writes for this enum value (negative int32s sign-extend).
    var wireValue: UInt64 { UInt64(bitPattern: Int64(rawValue)) }
}
