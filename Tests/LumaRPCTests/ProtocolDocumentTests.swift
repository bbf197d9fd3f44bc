import Foundation
import LumaEcho
import NIOCore
import Testing
@testable import LumaRPC
@testable import LumaRPCNIO

/// Keeps docs/protocol.md's worked example true.
@Suite("docs/protocol.md")
struct ProtocolDocumentTests {
    func hex(_ text: String) -> [UInt8] {
        // Accepts the document's notation: hex pairs and "quoted ASCII".
        var bytes: [UInt8] = []
        var rest = Substring(text)
        while let first = rest.first {
            if first == "\"" {
                let end = rest.dropFirst().firstIndex(of: "\"")!
                bytes += Array(rest[rest.index(after: rest.startIndex)..<end].utf8)
                rest = rest[rest.index(after: end)...]
            } else if first.isHexDigit {
                bytes.append(UInt8(rest.prefix(2), radix: 16)!)
                rest = rest.dropFirst(2)
            } else {
                rest = rest.dropFirst()
            }
        }
        return bytes
    }

    @Test func workedExampleRequestMatchesTheEncoder() throws {
        var frame = Luma_Rpc_V1_Frame()
        frame.request.callID = 1
        frame.request.method = "luma.examples.v1.Echo/Echo"
        frame.request.timeoutMicros = 2_000_000
        frame.request.payload = try Luma_Examples_V1_EchoRequest.with { $0.text = "hi" }.serializedData()
        let encoded = try FrameEncoder.encode(frame)
        let documented = hex(#"00 00 00 2a 0a 28 08 01 12 1a "luma.examples.v1.Echo/Echo" 18 80 89 7a 2a 04 0a 02 "hi""#)
        #expect(Array(encoded.readableBytesView) == documented)
        #expect(ConnectionPreface.bytes == hex("4c 55 4d 41 00 01 00 00"))
    }

    @Test func workedExampleResponseMatchesTheEncoder() throws {
        var frame = Luma_Rpc_V1_Frame()
        frame.response.callID = 1
        frame.response.payload = try Luma_Examples_V1_EchoResponse.with { $0.text = "hi" }.serializedData()
        let encoded = try FrameEncoder.encode(frame)
        #expect(Array(encoded.readableBytesView) == hex(#"00 00 00 0a 12 08 08 01 1a 04 0a 02 "hi""#))
    }

    @Test func statusCodeNumbersAreGRPCs() {
        #expect(RPCStatusCode.allCases.map(\.rawValue) == Array(0...16))
        #expect(RPCStatusCode.allCases.allSatisfy { $0.wire.rawValue == $0.rawValue })
        #expect(RPCStatusCode.unauthenticated.description == "UNAUTHENTICATED")
    }
}
