import Foundation
import NIOCore
import SwiftProtobuf
import Testing
@testable import LumaRPC
@testable import LumaRPCNIO

/// Inputs Fuzz/ found (docs/robustness.md), kept as tests of the normal suite.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// FuzzFrame: a request frame with an unknown field of the Frame itself (field 15) decoded,
    /// but re-encoded without it: the fast path wrote only the request.
    @Test func aFramesOwnUnknownFieldsSurviveEncoding() throws {
        let bytes: [UInt8] = [10, 42, 8, 1, 18, 33] + Array("luma.examples.v1.EchoService/Echo".utf8)
            + [24, 128, 135, 167, 14, 120, 1]
        let viaProtobuf = try Luma_Rpc_V1_Frame(serializedBytes: bytes)
        let frame = try FrameEncoder.decode(ByteBuffer(bytes: bytes))
        #expect(frame == viaProtobuf)
        var encoded = try FrameEncoder.encode(frame)
        #expect(encoded.readInteger(as: UInt32.self).map(Int.init) == encoded.readableBytes)
        #expect(Array(encoded.readableBytesView) == bytes)
        #expect(try FrameEncoder.decode(encoded) == frame)
    }
}
