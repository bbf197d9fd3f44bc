import LumaRPC
import Foundation
import NIOCore

/// A hand-written protobuf codec for the two frames every call sends: a `Frame` holding a
/// `Request`, and a `Frame` holding a `Response`. Every other frame, and anything this codec
/// does not fully understand, goes through SwiftProtobuf (`FrameEncoder`). The server's hot path
/// skips the generated structs: `decodeRequestFrame` leaves the method and payload as slices of
/// the receive buffer, and `writeResponse` appends to any buffer (how a read's responses share one).
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
        let status = response.hasStatus ? response.status : nil
        let size = responseFrameSize(callID: response.callID, status: status, payloadCount: response.payload.count,
                                     metadata: response.metadata)
        var buffer = ByteBufferAllocator().buffer(capacity: 4 + size)
        response.payload.withUnsafeBytes { payload in
            writeResponse(callID: response.callID, status: status, payload: payload,
                          metadata: response.metadata, frameSize: size, into: &buffer)
        }
        return buffer
    }

    /// The size of a response frame after its 4-byte length: what the frame limit applies to.
    static func responseFrameSize(callID: UInt64, status: Luma_Rpc_V1_Status?, payloadCount: Int,
                                  metadata: [String: String] = [:]) -> Int {
        ProtoSize.messageField(responseSize(callID: callID, status: status, payloadCount: payloadCount, metadata: metadata))
    }

    /// Appends a response frame, length first, to `buffer`: the server batches a read's
    /// responses this way into one buffer, one channel write. `frameSize` is
    /// `responseFrameSize` of the same arguments.
    static func writeResponse(callID: UInt64, status: Luma_Rpc_V1_Status?, payload: UnsafeRawBufferPointer,
                              metadata: [String: String] = [:], frameSize: Int, into buffer: inout ByteBuffer) {
        let size = responseSize(callID: callID, status: status, payloadCount: payload.count, metadata: metadata)
        buffer.writeInteger(UInt32(frameSize))
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: frameSize) { raw in
            var writer = ProtoWriter(raw)
            writer.lengthPrefix(FrameField.response, size)
            writer.varintField(1, callID)
            if let status {
                writer.lengthPrefix(2, statusSize(status))
                writer.varintField(1, status.code.wireValue)
                writer.stringField(2, status.message)
                writer.stringField(3, status.field)
                writer.stringField(4, status.origin)
            }
            writer.bytesField(3, payload)
            writer.mapField(4, metadata)
            precondition(writer.offset == frameSize, "response frame size mismatch")
            return frameSize
        }
    }

    private static func responseSize(callID: UInt64, status: Luma_Rpc_V1_Status?, payloadCount: Int,
                                     metadata: [String: String]) -> Int {
        ProtoSize.varintField(callID)
            + (status.map { ProtoSize.messageField(statusSize($0)) } ?? 0)
            + ProtoSize.bytesField(payloadCount)
            + ProtoSize.mapField(metadata)
    }

    private static func statusSize(_ status: Luma_Rpc_V1_Status) -> Int {
        ProtoSize.varintField(status.code.wireValue)
            + ProtoSize.bytesField(status.message.utf8.count)
            + ProtoSize.bytesField(status.field.utf8.count)
            + ProtoSize.bytesField(status.origin.utf8.count)
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
        if let request = decodeRequestFrame(body) {
            var frame = Luma_Rpc_V1_Frame()
            frame.kind = .request(Luma_Rpc_V1_Request(request))
            return frame
        }
        return body.withUnsafeReadableBytes { raw in
            guard let content = soleField(FrameField.response, in: raw), let response = decodeResponse(content) else { return nil }
            var frame = Luma_Rpc_V1_Frame()
            frame.kind = .response(response)
            return frame
        }
    }

    /// The server's path: a frame holding a plain request, its method and payload left as
    /// slices of `body`; nil for anything else (use SwiftProtobuf).
    static func decodeRequestFrame(_ body: ByteBuffer) -> InboundRequest? {
        body.withUnsafeReadableBytes { raw in
            guard let content = soleField(FrameField.request, in: raw) else { return nil }
            /// The bytes `field` points at, as a slice of `body` (no copy).
            func slice(_ field: UnsafeRawBufferPointer) -> ByteBuffer {
                body.getSlice(at: body.readerIndex + (field.baseAddress! - raw.baseAddress!), length: field.count)!
            }
            var reader = ProtoReader(content)
            var request = InboundRequest()
            while !reader.isAtEnd {
                guard let (field, wireType) = reader.tag() else { return nil }
                switch (field, wireType) {
                case (1, .varint):
                    guard let value = reader.varint() else { return nil }
                    request.callID = value
                case (2, .lengthDelimited):
                    guard let value = reader.lengthDelimited(), ProtoReader.isUTF8(value) else { return nil }
                    request.method = slice(value)
                case (3, .varint):
                    guard let value = reader.varint() else { return nil }
                    request.timeoutMicros = value
                case (4, .lengthDelimited):
                    guard let entry = reader.lengthDelimited(), let (key, value) = decodeMapEntry(entry) else { return nil }
                    request.metadata[key] = value
                case (5, .lengthDelimited):
                    guard let value = reader.lengthDelimited() else { return nil }
                    request.payload = slice(value)
                default:
                    return nil
                }
            }
            return request
        }
    }

    /// The content of a frame whose one top-level field is `field`, length-delimited.
    private static func soleField(_ field: UInt64, in raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        var reader = ProtoReader(raw)
        guard let (found, wireType) = reader.tag(), found == field, wireType == .lengthDelimited,
              let content = reader.lengthDelimited(), reader.isAtEnd else { return nil }
        return content
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
            case (4, .lengthDelimited):
                guard let value = reader.string() else { return nil }
                status.origin = value
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
