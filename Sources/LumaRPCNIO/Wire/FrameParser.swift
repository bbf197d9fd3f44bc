import LumaRPC
import NIOCore

/// Turns a byte stream into frames: first the peer's preface, then length-prefixed frame
/// bodies. Pure and socket-free so it can be tested byte by byte.
///
/// We hand-write this instead of using NIOExtras' `LengthFieldBasedFrameDecoder` because the
/// limit check must happen as soon as the 4 length bytes arrive (a 4 GiB declared length is
/// refused without reserving anything), the preface shares the same byte stream, and the
/// connection's stall timer needs to know whether a frame is partly received.
struct FrameParser {
    enum State {
        case awaitingPreface
        case frames
    }

    private(set) var state: State
    let maxFrameSize: Int
    private var cumulation: ByteBuffer?

    init(maxFrameSize: Int, expectPreface: Bool = true) {
        self.maxFrameSize = maxFrameSize
        self.state = expectPreface ? .awaitingPreface : .frames
    }

    /// True while some bytes of a preface or frame have arrived but not all of it.
    var hasPartialInput: Bool {
        (cumulation?.readableBytes ?? 0) > 0
    }

    mutating func append(_ bytes: ByteBuffer) {
        if var existing = cumulation, existing.readableBytes > 0 {
            existing.writeImmutableBuffer(bytes)
            cumulation = existing
        } else {
            // Common case: no leftover, so adopt the read buffer without copying.
            cumulation = bytes
        }
    }

    /// The next complete frame body, or nil if more bytes are needed.
    mutating func nextFrame() throws(RPCWireError) -> ByteBuffer? {
        guard var buffer = cumulation else { return nil }
        defer { cumulation = buffer.readableBytes > 0 ? buffer : nil }

        if state == .awaitingPreface {
            try Self.checkPreface(in: buffer)
            guard buffer.readableBytes >= ConnectionPreface.length else { return nil }
            buffer.moveReaderIndex(forwardBy: ConnectionPreface.length)
            state = .frames
        }

        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        guard Int(length) <= maxFrameSize else {
            throw .frameTooLarge(declared: UInt64(length), limit: maxFrameSize)
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        return buffer.readSlice(length: Int(length))
    }

    /// Validates as many preface bytes as have arrived, so garbage fails at its first byte.
    private static func checkPreface(in buffer: ByteBuffer) throws(RPCWireError) {
        let available = min(buffer.readableBytes, ConnectionPreface.length)
        guard let received = buffer.getBytes(at: buffer.readerIndex, length: available) else { return }
        let expected = ConnectionPreface.bytes
        for index in 0..<min(available, 4) where received[index] != expected[index] {
            // Quote what arrived, up to 32 bytes: enough to recognise an HTTP request line or a
            // TLS hello in the message.
            let quoted = buffer.getBytes(at: buffer.readerIndex, length: min(buffer.readableBytes, 32)) ?? received
            let more = buffer.readableBytes > 32 ? "..." : ""
            // A TLS record (handshake 0x16 or alert 0x15, version 3.x): the peer speaks TLS.
            let tls = received.count >= 2 && (received[0] == 0x16 || received[0] == 0x15) && received[1] == 0x03
            throw .badPreface(detail: "received \(printable(quoted))\(more) instead" + (tls ? " (a TLS record: the peer speaks TLS)" : ""))
        }
        if available >= 6 {
            let version = UInt16(received[4]) << 8 | UInt16(received[5])
            if version != ConnectionPreface.version { throw .unsupportedVersion(version) }
        }
    }

    private static func printable(_ bytes: [UInt8]) -> String {
        let text = bytes.map { byte in
            (0x20..<0x7F).contains(byte) && byte != 0x27 && byte != 0x5C
                ? String(UnicodeScalar(byte)) : "\\x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16)
        }
        return "'" + text.joined() + "'"
    }
}
