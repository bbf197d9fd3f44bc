import Foundation
import NIOCore
import Testing
@testable import LumaRPC
@testable import LumaRPCNIO

@Suite("Frame codec")
struct FrameParserTests {
    func frameBytes(_ body: [UInt8]) -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(body.count))
        buffer.writeBytes(body)
        return Array(buffer.readableBytesView)
    }

    func drain(_ parser: inout FrameParser) throws -> [[UInt8]] {
        var frames: [[UInt8]] = []
        while let frame = try parser.nextFrame() { frames.append(Array(frame.readableBytesView)) }
        return frames
    }

    @Test func frameSplitAcrossReadsIsReassembled() throws {
        var parser = FrameParser(maxFrameSize: 1024)
        let bytes = ConnectionPreface.bytes + frameBytes(Array("hello, world".utf8))
        var frames: [[UInt8]] = []
        for byte in bytes {  // one byte per read: the worst split
            parser.append(ByteBuffer(bytes: [byte]))
            frames += try drain(&parser)
        }
        #expect(frames == [Array("hello, world".utf8)])
        #expect(!parser.hasPartialInput)
    }

    @Test func manyFramesInOneReadAreAllDelivered() throws {
        var parser = FrameParser(maxFrameSize: 1024)
        var bytes = ConnectionPreface.bytes
        for index in 0..<100 { bytes += frameBytes(Array("frame \(index)".utf8)) }
        bytes += [0, 0]  // and the start of another
        parser.append(ByteBuffer(bytes: bytes))
        let frames = try drain(&parser)
        #expect(frames.count == 100)
        #expect(frames[42] == Array("frame 42".utf8))
        #expect(parser.hasPartialInput)
    }

    @Test func zeroLengthAndExactlyMaxFramesAreAccepted() throws {
        var parser = FrameParser(maxFrameSize: 4096)
        let max = [UInt8](repeating: 7, count: 4096)
        parser.append(ByteBuffer(bytes: ConnectionPreface.bytes + frameBytes([]) + frameBytes(max)))
        let frames = try drain(&parser)
        #expect(frames == [[], max])
    }

    @Test func oneByteOverMaxIsRefusedFromTheHeaderAlone() throws {
        var parser = FrameParser(maxFrameSize: 4096)
        // Only the 4 length bytes arrive: the refusal must not wait for the body.
        parser.append(ByteBuffer(bytes: ConnectionPreface.bytes + [0, 0, 0x10, 0x01]))
        #expect(throws: RPCWireError.frameTooLarge(declared: 4097, limit: 4096)) { try parser.nextFrame() }
    }

    @Test func hugeDeclaredLengthIsRefusedWithResourceExhausted() throws {
        var parser = FrameParser(maxFrameSize: 4 * 1024 * 1024)
        parser.append(ByteBuffer(bytes: ConnectionPreface.bytes + [0xFF, 0xFF, 0xFF, 0xFF]))
        do {
            _ = try parser.nextFrame()
            Issue.record("expected a refusal")
        } catch {
            #expect(error.status.code == .resourceExhausted)
        }
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: x\r\n\r\n", "'GET /"),
        ("\u{16}\u{03}\u{01}", "\\x16"),
        ("X", "'X'"),
    ])
    func wrongPrefaceFailsAtTheFirstWrongByte(input: String, shown: String) throws {
        var parser = FrameParser(maxFrameSize: 1024)
        parser.append(ByteBuffer(bytes: Array(input.utf8)))
        do {
            _ = try parser.nextFrame()
            Issue.record("expected a bad preface")
        } catch {
            guard case .badPreface(let detail) = error else { Issue.record("got \(error)"); return }
            #expect(detail.contains(shown))
            #expect(error.status.code == .invalidArgument)
        }
    }

    @Test func partialCorrectPrefaceWaitsForMore() throws {
        var parser = FrameParser(maxFrameSize: 1024)
        parser.append(ByteBuffer(bytes: Array("LUM".utf8)))
        #expect(try parser.nextFrame() == nil)
        #expect(parser.hasPartialInput)
    }

    @Test func otherProtocolVersionIsRefused() throws {
        var parser = FrameParser(maxFrameSize: 1024)
        parser.append(ByteBuffer(bytes: Array("LUMA".utf8) + [0, 9, 0, 0]))
        #expect(throws: RPCWireError.unsupportedVersion(9)) { try parser.nextFrame() }
    }

    @Test func framesRoundTripThroughTheEncoder() throws {
        var frame = Luma_Rpc_V1_Frame()
        frame.request.callID = .max
        frame.request.method = "luma.examples.v1.Echo/Echo"
        frame.request.metadata = ["trace-id": "t-1", "authorization": "Bearer x"]
        frame.request.timeoutMicros = 1_500_000
        let encoded = try FrameEncoder.encode(frame)
        var parser = FrameParser(maxFrameSize: 1024, expectPreface: false)
        parser.append(encoded)
        let body = try #require(try parser.nextFrame())
        #expect(try FrameEncoder.decode(body) == frame)
    }

    @Test func encodedFrameIsTheLengthThenExactlyWhatSwiftProtobufWrites() throws {
        var frame = Luma_Rpc_V1_Frame()
        frame.response.callID = 42
        frame.response.payload = Data((0..<300).map { UInt8($0 % 256) })
        let body: [UInt8] = try frame.serializedBytes()
        let encoded = try FrameEncoder.encode(frame)
        #expect(Array(encoded.readableBytesView) == [0, 0, UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body)
    }

    @Test func lengthPrefixedBytesBuiltFromASequenceCarryItsLength() {
        let bytes = LengthPrefixedBytes([7, 8, 9])
        #expect(bytes.count == 3)
        #expect(Array(bytes.buffer.readableBytesView) == [0, 0, 0, 3, 7, 8, 9])
        #expect(bytes.withUnsafeBytes { Array($0) } == [7, 8, 9])
    }

    @Test func garbageFrameBodyIsMalformed() throws {
        #expect(throws: RPCWireError.self) { try FrameEncoder.decode(ByteBuffer(bytes: [0xFF, 0xFF, 0xFF])) }
    }
}
