import Foundation
import NIOCore
import SwiftProtobuf
import Testing
@testable import LumaRPC
@testable import LumaRPCNIO

/// `CallFrameCodec` must be indistinguishable from SwiftProtobuf: the same bytes out, the same
/// messages (or the same refusal) in.
@Suite("Hand-written request/response codec")
struct CallFrameCodecTests {
    static let requests: [Luma_Rpc_V1_Request] = [
        Luma_Rpc_V1_Request(),
        .with { $0.callID = 1; $0.method = "luma.examples.v1.EchoService/Echo"; $0.timeoutMicros = 30_000_000 },
        .with {
            $0.callID = .max
            $0.method = "métodos/ñandú ✓"
            $0.timeoutMicros = 1 << 35
            $0.metadata = ["trace-id": "t-1", "authorization": "Bearer x", "": "", "ключ": String(repeating: "v", count: 200)]
            $0.payload = Data((0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        },
        .with { $0.callID = 127; $0.payload = Data([0]) },
        .with { $0.callID = 128; $0.metadata = ["k": ""] },
    ]

    static let responses: [Luma_Rpc_V1_Response] = [
        Luma_Rpc_V1_Response(),
        .with { $0.callID = 9; $0.payload = Data("hello".utf8) },
        .with { $0.callID = 9; $0.status = Luma_Rpc_V1_Status() },
        .with {
            $0.callID = 1 << 40
            $0.status = .with { $0.code = .invalidArgument; $0.message = "text must not be empty"; $0.field = "text" }
            $0.metadata = ["a": "1", "b": "2"]
        },
        .with { $0.callID = 2; $0.status = .with { $0.code = .UNRECOGNIZED(99) } },
        .with { $0.callID = 3; $0.status = .with { $0.code = .UNRECOGNIZED(-1); $0.message = "negative" } },
        .with { $0.callID = 4; $0.payload = Data(repeating: 0xAB, count: 300) },
        // A relayed failure names the service it comes from.
        .with { $0.callID = 5; $0.status = .with { $0.code = .unavailable; $0.message = "verse-registry is unreachable"; $0.origin = "verse-registry" } },
    ]

    static func frame(_ request: Luma_Rpc_V1_Request) -> Luma_Rpc_V1_Frame {
        var frame = Luma_Rpc_V1_Frame()
        frame.kind = .request(request)
        return frame
    }

    static func frame(_ response: Luma_Rpc_V1_Response) -> Luma_Rpc_V1_Frame {
        var frame = Luma_Rpc_V1_Frame()
        frame.kind = .response(response)
        return frame
    }

    static var frames: [Luma_Rpc_V1_Frame] { requests.map(frame) + responses.map(frame) }

    func lengthPrefixed(_ body: [UInt8]) -> [UInt8] {
        withUnsafeBytes(of: UInt32(body.count).bigEndian, Array.init) + body
    }

    @Test(arguments: requests)
    func requestsEncodeExactlyAsSwiftProtobufDoes(_ request: Luma_Rpc_V1_Request) throws {
        let expected: [UInt8] = try Self.frame(request).serializedBytes()
        let encoded = try #require(CallFrameCodec.encode(request))
        #expect(Array(encoded.readableBytesView) == lengthPrefixed(expected))
    }

    @Test(arguments: responses)
    func responsesEncodeExactlyAsSwiftProtobufDoes(_ response: Luma_Rpc_V1_Response) throws {
        let expected: [UInt8] = try Self.frame(response).serializedBytes()
        let encoded = try #require(CallFrameCodec.encode(response))
        #expect(Array(encoded.readableBytesView) == lengthPrefixed(expected))
    }

    @Test(arguments: frames)
    func swiftProtobufBytesDecodeOnTheFastPath(_ frame: Luma_Rpc_V1_Frame) throws {
        let bytes: [UInt8] = try frame.serializedBytes()
        #expect(CallFrameCodec.decode(ByteBuffer(bytes: bytes)) == frame)
    }

    @Test func messagesWithUnknownFieldsAreEncodedBySwiftProtobuf() throws {
        var request = Luma_Rpc_V1_Request()
        try request.merge(serializedBytes: [0x30, 0x05]) // field 6, varint 5: unknown to us
        #expect(!request.unknownFields.data.isEmpty)
        #expect(CallFrameCodec.encode(request) == nil)
        let frame = Self.frame(request)
        let encoded = try FrameEncoder.encode(frame)
        #expect(try FrameEncoder.decode(encoded.getSlice(at: 4, length: encoded.readableBytes - 4)!) == frame)
    }

    /// Frames the fast path must not decode itself, each with why.
    static let unusual: [(String, [UInt8])] = [
        ("unknown field in a request", [0x0A, 0x02, 0x30, 0x05]),
        ("call_id sent as a fixed64", [0x0A, 0x09, 0x09, 1, 0, 0, 0, 0, 0, 0, 0]),
        ("two requests (merged by protobuf)", [0x0A, 0x02, 0x08, 0x01, 0x0A, 0x02, 0x18, 0x07]),
        ("status twice (merged by protobuf)", [0x12, 0x08, 0x12, 0x02, 0x08, 0x03, 0x12, 0x02, 0x1A, 0x00]),
        ("a ping", [0x22, 0x02, 0x08, 0x05]),
        ("method is not UTF-8", [0x0A, 0x04, 0x12, 0x02, 0xC3, 0x28]),
        ("truncated varint", [0x0A, 0x02, 0x08, 0xFF]),
        ("length past the end", [0x0A, 0x05, 0x08, 0x01]),
        ("field number 0", [0x0A, 0x02, 0x00, 0x01]),
    ]

    @Test func unusualFramesAreLeftToSwiftProtobufWhichDecidesTheSame() {
        for (why, bytes) in Self.unusual {
            #expect(CallFrameCodec.decode(ByteBuffer(bytes: bytes)) == nil, "\(why)")
            let viaProtobuf = try? Luma_Rpc_V1_Frame(serializedBytes: bytes)
            let viaEncoder = try? FrameEncoder.decode(ByteBuffer(bytes: bytes))
            #expect(viaEncoder == viaProtobuf, "\(why)")
        }
    }

    /// Thousands of corrupted frames (bytes flipped, cut, inserted, from a fixed seed): the
    /// decoder with its fast path must accept exactly what SwiftProtobuf accepts, as the same
    /// message, and refuse the rest.
    @Test func mutatedFramesDecodeExactlyAsSwiftProtobufDecodesThem() throws {
        var random = SplitMix64(seed: 0x10A5)
        var accepted = 0
        for frame in Self.frames {
            let original: [UInt8] = try frame.serializedBytes()
            for _ in 0..<600 {
                var bytes = original
                for _ in 0..<Int.random(in: 1...3, using: &random) {
                    let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
                    switch Int.random(in: 0..<3, using: &random) {
                    case 0 where !bytes.isEmpty: bytes[position] = UInt8.random(in: 0...255, using: &random)
                    case 1 where !bytes.isEmpty: bytes.removeSubrange(position...)
                    default: bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
                    }
                }
                let viaProtobuf = try? Luma_Rpc_V1_Frame(serializedBytes: bytes)
                let viaEncoder = try? FrameEncoder.decode(ByteBuffer(bytes: bytes))
                #expect(viaEncoder == viaProtobuf, "bytes \(bytes)")
                if viaProtobuf != nil { accepted += 1 }
            }
        }
        // The mutations must exercise acceptance too, not only refusal.
        #expect(accepted > 500)
    }
}

/// A small seeded generator, so that a failure reproduces.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
