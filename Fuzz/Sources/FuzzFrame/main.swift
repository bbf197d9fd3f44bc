import FuzzSupport
import NIOCore
import SwiftProtobuf
@testable import LumaRPC
@testable import LumaRPCNIO

/// The byte stream a peer sends: `FrameParser` cuts it into frames (the preface first when the
/// first control byte says so), then every frame body, and the whole input taken as one body,
/// goes through `FrameEncoder.decode` (the hand-written `CallFrameCodec` fast path, falling back
/// to SwiftProtobuf) and must decode exactly as SwiftProtobuf alone decodes it: the same
/// message or the same refusal (the property `CallFrameCodecTests` checks on 7,200 mutations).
/// A decoded frame re-encodes and decodes to itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrame(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var input = FuzzInput(start, count)
    let control = input.byte()
    let bytes = input.rest()

    // 1. The whole input as one frame body: the oracle.
    check(body: bytes)

    // 2. The input as a stream, delivered in pieces of 1...16 bytes or all at once.
    let expectPreface = control & 1 == 1
    let piece = control & 0x80 == 0 ? max(1, Int(control >> 1) & 0x0F) : Int.max
    var parser = FrameParser(maxFrameSize: 1 << 16, expectPreface: expectPreface)
    var offset = 0
    var frames = 0
    streaming: while offset < bytes.count {
        let end = min(bytes.count, offset > bytes.count - piece ? bytes.count : offset + piece)
        parser.append(ByteBuffer(bytes: bytes[offset..<end]))
        offset = end
        while true {
            do {
                guard let body = try parser.nextFrame() else { break }
                frames += 1
                check(body: Array(body.readableBytesView))
            } catch {
                break streaming   // the connection would be closed: nothing more is read
            }
        }
    }
    fuzzCheck(frames <= bytes.count / 4 + 1, "\(frames) frames out of \(bytes.count) bytes")
    return 0
}

private func check(body bytes: [UInt8]) {
    let viaProtobuf = try? Luma_Rpc_V1_Frame(serializedBytes: bytes)
    let viaEncoder = try? FrameEncoder.decode(ByteBuffer(bytes: bytes))
    fuzzCheck(viaEncoder == viaProtobuf, "FrameEncoder and SwiftProtobuf disagree on \(bytes)")

    // The server's path for requests: the same call as the full decoder saw.
    if let inbound = CallFrameCodec.decodeRequestFrame(ByteBuffer(bytes: bytes)) {
        guard case .request(let request)? = viaProtobuf?.kind else {
            fuzzCheck(false, "decodeRequestFrame accepted what SwiftProtobuf does not see as a request: \(bytes)")
            return
        }
        fuzzCheck(Luma_Rpc_V1_Request(inbound) == request, "decodeRequestFrame decoded another request from \(bytes)")
    }

    // What is accepted goes back out and in again unchanged.
    guard let frame = viaEncoder else { return }
    guard var encoded = try? FrameEncoder.encode(frame) else {
        fuzzCheck(false, "a decoded frame does not encode: \(bytes)")
        return
    }
    let length = encoded.readInteger(as: UInt32.self)
    fuzzCheck(length.map(Int.init) == encoded.readableBytes, "the length prefix does not match the body")
    let again = try? FrameEncoder.decode(encoded)
    fuzzCheck(again == frame, "a frame did not survive encode/decode: \(bytes)")
}
