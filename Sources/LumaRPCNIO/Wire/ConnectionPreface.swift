import LumaRPC
import NIOCore

/// The 8 bytes each side sends first: ASCII "LUMA", a big-endian UInt16 protocol version, and
/// two reserved zero bytes. A peer that sends anything else (an HTTP request, TLS, random
/// bytes) is refused at the first byte that differs, so a wrong client fails fast.
public enum ConnectionPreface {
    public static let magic: [UInt8] = Array("LUMA".utf8)
    public static let version: UInt16 = 1
    public static let length = 8

    /// The preface this implementation sends.
    public static var bytes: [UInt8] {
        magic + [UInt8(version >> 8), UInt8(version & 0xFF), 0, 0]
    }

    static func write(into buffer: inout ByteBuffer) {
        buffer.writeBytes(bytes)
    }
}
