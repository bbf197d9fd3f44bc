import Foundation
import FuzzSupport
import SwiftProtobuf
@testable import LumaCLI

/// `lumactl call`: the request JSON (syntax check, then JSON -> protobuf through the
/// descriptors a server serves), the reply (protobuf -> JSON), and descriptors themselves.
/// Mode 0: JSON text in. Mode 1: reply bytes in. Mode 2: the input is a serialized
/// FileDescriptorProto, used to decode a fixed reply. Whatever is encoded decodes, and the
/// canonical JSON is a fixed point (decode(encode(decode(x))) == decode(x)).
let everything = "luma.opaque.v1.Everything"
let transcoder = DynamicTranscoder(index: DescriptorIndex(files: [opaqueFile]))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTranscoder(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var input = FuzzInput(start, count)
    switch input.byte() % 3 {
    case 0:
        let text = input.restText()
        let syntaxOK = (try? JSONSyntax.check(text)) != nil
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else { return 0 }
        _ = syntaxOK
        guard let payload = try? transcoder.encode(json: object, type: everything) else { return 0 }
        guard let decoded = try? transcoder.decode(payload, type: everything) else {
            fuzzCheck(false, "lumactl encoded '\(text)' into bytes it cannot decode: \(Array(payload))")
            return 0
        }
        checkFixedPoint(decoded, from: "'\(text)'")
    case 1:
        let bytes = Data(input.rest())
        guard let decoded = try? transcoder.decode(bytes, type: everything) else { return 0 }
        checkFixedPoint(decoded, from: "\(Array(bytes))")
    default:
        guard let file = try? Google_Protobuf_FileDescriptorProto(serializedBytes: input.rest()) else { return 0 }
        let hostile = DynamicTranscoder(index: DescriptorIndex(files: [file]))
        let reply = Data([0x08, 0x01, 0x12, 0x02, 0x08, 0x01, 0x52, 0x04, 0x0a, 0x01, 0x61, 0x10])
        for message in file.messageType {
            let type = (file.package.isEmpty ? "" : file.package + ".") + message.name
            _ = try? hostile.decode(reply, type: type)
            _ = try? hostile.encode(json: ["a": 1, "b": ["x": "1"], "c": [1, 2]] as [String: Any], type: type)
        }
    }
    return 0
}

/// The canonical JSON re-encodes and decodes to itself.
func checkFixedPoint(_ decoded: [String: Any], from origin: @autoclosure () -> String) {
    guard let payload = try? transcoder.encode(json: decoded, type: everything) else {
        fuzzCheck(false, "lumactl printed JSON it cannot encode again (from \(origin())): \(decoded)")
        return
    }
    guard let again = try? transcoder.decode(payload, type: everything) else {
        fuzzCheck(false, "re-encoded bytes do not decode (from \(origin()))")
        return
    }
    fuzzCheck(canonical(again) == canonical(decoded), "decode(encode(json)) != json for \(origin()): \(decoded) vs \(again)")
}

func canonical(_ object: [String: Any]) -> String? {
    guard JSONSerialization.isValidJSONObject(object),
          let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return nil }
    return String(decoding: data, as: UTF8.self)
}

/// The descriptor of `DynamicCallTests`' opaque service: every kind of field lumactl handles.
var opaqueFile: Google_Protobuf_FileDescriptorProto {
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
                field("fixed", 13, .fixed64), field("small", 14, .float), field("names", 15, .string, repeated: true),
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
