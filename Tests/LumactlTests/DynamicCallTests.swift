import Foundation
import LumaRPC
import LumaRPCNIO
import LumaTestSupport
import SwiftProtobuf
import Testing

/// A service lumactl was never built with, described only by the descriptors it serves through
/// reflection: `lumactl call` encodes JSON into its messages and prints their replies, as
/// grpcurl would.
struct OpaqueService: RPCServiceProvider {
    static let name = "luma.opaque.v1.Opaque"
    static let echo = RPCMethodDescriptor(service: name, method: "Echo", inputType: "luma.opaque.v1.Everything",
                                          outputType: "luma.opaque.v1.Everything", idempotency: .noSideEffects)

    /// luma/opaque/v1/opaque.proto, written as a descriptor (no .proto file, no generated code).
    static var file: Google_Protobuf_FileDescriptorProto {
        func field(_ name: String, _ number: Int32, _ type: Google_Protobuf_FieldDescriptorProto.TypeEnum,
                   repeated: Bool = false, typeName: String = "", oneof: Int32? = nil) -> Google_Protobuf_FieldDescriptorProto {
            .with {
                $0.name = name
                $0.jsonName = name.split(separator: "_").enumerated().map { $0.offset == 0 ? String($0.element) : $0.element.capitalized }.joined()
                $0.number = number
                $0.type = type
                $0.label = repeated ? .repeated : .optional
                if !typeName.isEmpty { $0.typeName = typeName }
                if let oneof { $0.oneofIndex = oneof }
            }
        }
        return .with {
            $0.name = "luma/opaque/v1/opaque.proto"
            $0.package = "luma.opaque.v1"
            $0.syntax = "proto3"
            $0.service = [.with {
                $0.name = "Opaque"
                $0.method = [.with {
                    $0.name = "Echo"; $0.inputType = ".luma.opaque.v1.Everything"; $0.outputType = ".luma.opaque.v1.Everything"
                }]
            }]
            $0.enumType = [.with {
                $0.name = "Mood"
                $0.value = [.with { $0.name = "MOOD_UNSPECIFIED"; $0.number = 0 }, .with { $0.name = "MOOD_GLAD"; $0.number = 1 }]
            }]
            $0.messageType = [.with {
                $0.name = "Everything"
                $0.field = [
                    field("big_number", 1, .int64), field("unsigned_big", 2, .uint64), field("small_signed", 3, .sint32),
                    field("ratio", 4, .double), field("flag", 5, .bool), field("blob", 6, .bytes),
                    field("mood", 7, .enum, typeName: ".luma.opaque.v1.Mood"),
                    field("inner", 8, .message, typeName: ".luma.opaque.v1.Everything.Inner"),
                    field("counts", 9, .int32, repeated: true),
                    field("scores", 10, .message, repeated: true, typeName: ".luma.opaque.v1.Everything.ScoresEntry"),
                    field("label", 11, .string, oneof: 0), field("code", 12, .int32, oneof: 0),
                ]
                $0.oneofDecl = [.with { $0.name = "choice" }]
                $0.nestedType = [
                    .with { $0.name = "Inner"; $0.field = [field("note", 1, .string)] },
                    .with {
                        $0.name = "ScoresEntry"
                        $0.options = .with { $0.mapEntry = true }
                        $0.field = [field("key", 1, .string), field("value", 2, .int64)]
                    },
                ]
            }]
        }
    }

    var serviceDescriptor: RPCServiceDescriptor {
        RPCServiceDescriptor(name: Self.name, methods: [Self.echo],
                             fileDescriptorsBase64: [try! Self.file.serializedData().base64EncodedString()])
    }

    /// Echo: the request's bytes are the response.
    func registerMethods(with registrar: inout RPCMethodRegistrar) {
        registrar.register(raw: RPCRawHandler(descriptor: Self.echo) { bytes, _ in bytes })
    }
}

@Suite("lumactl call with any server")
struct DynamicCallTests {
    @Test func aServiceLumactlWasNeverBuiltWithIsCalledFromItsReflectionAlone() async throws {
        let server = RPCServer(configuration: .init(port: 0), services: [OpaqueService()])
        let port = try #require(try await server.start().port)
        let endpoint = "127.0.0.1:\(port)"
        let environment = ["LUMA_DATA_DIR": temporaryDirectory()]
        // Proto names and lowerCamelCase both accepted; 64-bit values as strings or numbers.
        let request = #"{"big_number": "-9007199254740993", "unsignedBig": 18446744073709551615, "smallSigned": -5, "ratio": 0.25, "flag": true, "blob": "AAEC", "mood": "MOOD_GLAD", "inner": {"note": "hi"}, "counts": [1, 2, 300], "scores": {"a": "1", "b": 2}, "label": ""}"#
        let result = try await lumactl(["call", endpoint, "luma.opaque.v1.Opaque/Echo", "-d", request], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        let reply = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        // Canonical proto3 JSON back: lowerCamelCase, 64-bit integers as strings, enums by name,
        // bytes in base64, a map as an object; the oneof member is printed even at its default.
        #expect(reply["bigNumber"] as? String == "-9007199254740993")
        #expect(reply["unsignedBig"] as? String == "18446744073709551615")
        #expect((reply["smallSigned"] as? NSNumber)?.intValue == -5)
        #expect((reply["ratio"] as? NSNumber)?.doubleValue == 0.25)
        #expect(reply["flag"] as? Bool == true)
        #expect(reply["blob"] as? String == "AAEC")
        #expect(reply["mood"] as? String == "MOOD_GLAD")
        #expect((reply["inner"] as? [String: Any])?["note"] as? String == "hi")
        #expect((reply["counts"] as? [NSNumber])?.map(\.intValue) == [1, 2, 300])
        #expect((reply["scores"] as? [String: String]) == ["a": "1", "b": "2"])
        #expect(reply["label"] as? String == "")
        #expect(reply["big_number"] == nil)

        // Precise refusals, before anything is sent.
        let unknown = try await lumactl(["call", endpoint, "luma.opaque.v1.Opaque/Echo", "-d", #"{"nope": 1}"#], environment: environment)
        #expect(unknown.status == 3 && unknown.stderr.contains("luma.opaque.v1.Everything has no field 'nope'"))
        let badEnum = try await lumactl(["call", endpoint, "luma.opaque.v1.Opaque/Echo", "-d", #"{"mood": "MOOD_SAD"}"#], environment: environment)
        #expect(badEnum.status == 3 && badEnum.stderr.contains("has no value 'MOOD_SAD'"))
        let overflow = try await lumactl(["call", endpoint, "luma.opaque.v1.Opaque/Echo", "-d", #"{"counts": [4294967296]}"#], environment: environment)
        #expect(overflow.status == 3 && overflow.stderr.contains("counts[0]: expected an integer"))
        await server.shutdown()
    }
}
