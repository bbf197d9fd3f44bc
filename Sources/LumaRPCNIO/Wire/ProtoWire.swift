import LumaRPC
import Foundation

/// The protobuf wire format primitives `CallFrameCodec` needs (varints, tags, length-delimited
/// fields), over raw memory. Field numbers here are below 16, so every tag is one byte.

enum ProtoWireType: UInt64 {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case startGroup = 3
    case endGroup = 4
    case fixed32 = 5
}

/// Encoded sizes, computed before writing so that a frame is allocated once, exactly.
enum ProtoSize {
    static func varint(_ value: UInt64) -> Int {
        value == 0 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7
    }

    /// A varint field; proto3 omits zero.
    static func varintField(_ value: UInt64) -> Int {
        value == 0 ? 0 : 1 + varint(value)
    }

    /// A string or bytes field of `count` bytes; proto3 omits empty ones.
    static func bytesField(_ count: Int) -> Int {
        count == 0 ? 0 : messageField(count)
    }

    /// A length-delimited field that is always written (a set message field, a map entry).
    static func messageField(_ count: Int) -> Int {
        1 + varint(UInt64(count)) + count
    }

    static func mapEntry(key: String, value: String) -> Int {
        messageField(key.utf8.count) + messageField(value.utf8.count)
    }

    static func mapField(_ map: [String: String]) -> Int {
        map.reduce(0) { $0 + messageField(mapEntry(key: $1.key, value: $1.value)) }
    }
}

/// Writes fields into memory sized with `ProtoSize`.
struct ProtoWriter {
    private let bytes: UnsafeMutableRawBufferPointer
    private(set) var offset = 0

    init(_ bytes: UnsafeMutableRawBufferPointer) {
        self.bytes = bytes
    }

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes[offset] = UInt8(truncatingIfNeeded: value) | 0x80
            offset += 1
            value >>= 7
        }
        bytes[offset] = UInt8(value)
        offset += 1
    }

    mutating func tag(_ field: UInt64, _ wireType: ProtoWireType) {
        varint(field << 3 | wireType.rawValue)
    }

    mutating func varintField(_ field: UInt64, _ value: UInt64) {
        guard value != 0 else { return }
        tag(field, .varint)
        varint(value)
    }

    /// The tag and length of a length-delimited field whose content is written next.
    mutating func lengthPrefix(_ field: UInt64, _ count: Int) {
        tag(field, .lengthDelimited)
        varint(UInt64(count))
    }

    mutating func raw(_ source: UnsafeRawBufferPointer) {
        guard let base = source.baseAddress, source.count > 0 else { return }
        (bytes.baseAddress! + offset).copyMemory(from: base, byteCount: source.count)
        offset += source.count
    }

    mutating func stringField(_ field: UInt64, _ value: String) {
        guard !value.isEmpty else { return }
        alwaysString(field, value)
    }

    mutating func bytesField(_ field: UInt64, _ value: Data) {
        value.withUnsafeBytes { bytesField(field, $0) }
    }

    mutating func bytesField(_ field: UInt64, _ value: UnsafeRawBufferPointer) {
        guard !value.isEmpty else { return }
        lengthPrefix(field, value.count)
        raw(value)
    }

    mutating func mapField(_ field: UInt64, _ map: [String: String]) {
        for (key, value) in map {
            lengthPrefix(field, ProtoSize.mapEntry(key: key, value: value))
            alwaysString(1, key)
            alwaysString(2, value)
        }
    }

    private mutating func alwaysString(_ field: UInt64, _ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            lengthPrefix(field, utf8.count)
            raw(UnsafeRawBufferPointer(utf8))
        }
    }
}

/// Reads fields from memory. Every method returns nil on input it cannot read exactly as
/// SwiftProtobuf would, so that the caller can leave the frame to SwiftProtobuf.
struct ProtoReader {
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { offset == bytes.count }

    /// SwiftProtobuf's rule: at most ten bytes, bits beyond 64 dropped.
    mutating func varint() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count, shift <= 63 {
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) &<< shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        return nil
    }

    /// A tag with a field number in 1..<2^29 and a known wire type.
    mutating func tag() -> (field: UInt64, wireType: ProtoWireType)? {
        guard let key = varint(), key <= UInt32.max,
              let wireType = ProtoWireType(rawValue: key & 7), key >> 3 != 0 else { return nil }
        return (key >> 3, wireType)
    }

    mutating func lengthDelimited() -> UnsafeRawBufferPointer? {
        guard let length = varint(), length <= UInt64(bytes.count - offset) else { return nil }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + Int(length)])
        offset += Int(length)
        return slice
    }

    /// SwiftProtobuf's test for a string field, without making a String of an ASCII one.
    static func isUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if bytes.allSatisfy({ $0 < 0x80 }) { return true }
        return bytes.withMemoryRebound(to: UInt8.self) { String(validating: $0, as: UTF8.self) } != nil
    }

    /// A length-delimited field that must be valid UTF-8 (SwiftProtobuf rejects it otherwise).
    mutating func string() -> String? {
        guard let slice = lengthDelimited() else { return nil }
        return slice.withMemoryRebound(to: UInt8.self) { String(validating: $0, as: UTF8.self) }
    }
}
