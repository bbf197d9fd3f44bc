import LumaRPC
import NIOCore
import SwiftProtobuf

/// A `ByteBuffer` holding a 4-byte big-endian length followed by that many bytes, which
/// SwiftProtobuf serializes into directly (`serializedBytes() as LengthPrefixedBytes`).
///
/// Why: `serializedBytes() as [UInt8]` and then copying into a `ByteBuffer` cost a second
/// allocation and a copy of every frame on both sides of every call. SwiftProtobuf sizes the
/// message first and asks for a zeroed buffer of exactly that size, so the prefix is known when
/// the buffer is created.
struct LengthPrefixedBytes: SwiftProtobufContiguousBytes {
    static let prefixLength = 4
    private(set) var buffer: ByteBuffer

    init(repeating byte: UInt8, count: Int) {
        precondition(count <= UInt32.max, "a frame body must fit a 4-byte length")
        buffer = ByteBufferAllocator().buffer(capacity: Self.prefixLength + count)
        buffer.writeInteger(UInt32(count))
        buffer.writeRepeatingByte(byte, count: count)
    }

    init<S: Sequence>(_ sequence: S) where S.Element == UInt8 {
        let bytes = Array(sequence)
        self.init(repeating: 0, count: bytes.count)
        buffer.setBytes(bytes, at: buffer.readerIndex + Self.prefixLength)
    }

    /// The body's length, without the prefix.
    var count: Int { buffer.readableBytes - Self.prefixLength }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try buffer.withUnsafeReadableBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all.dropFirst(Self.prefixLength)))
        }
    }

    mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try buffer.withUnsafeMutableReadableBytes { all in
            try body(UnsafeMutableRawBufferPointer(rebasing: all.dropFirst(Self.prefixLength)))
        }
    }
}
