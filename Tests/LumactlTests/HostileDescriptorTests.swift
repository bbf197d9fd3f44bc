import Foundation
import SwiftProtobuf
import Testing
@testable import LumaCLI

/// Descriptors come from the server's reflection: a malformed one is refused with a reason,
/// never a crash of lumactl (regression from Fuzz/FuzzTranscoder's hostile-descriptor mode).
@Suite("Hostile descriptors")
struct HostileDescriptorTests {
    /// A message whose map field's entry type has no value field (and one with no key).
    static func file(entryFields: [Int32]) -> Google_Protobuf_FileDescriptorProto {
        .with {
            $0.package = "h"
            $0.messageType = [.with {
                $0.name = "M"
                $0.field = [.with {
                    $0.name = "m"; $0.jsonName = "m"; $0.number = 1; $0.label = .repeated; $0.type = .message; $0.typeName = ".h.M.E"
                }]
                $0.nestedType = [.with {
                    $0.name = "E"
                    $0.options = .with { $0.mapEntry = true }
                    $0.field = entryFields.map { number in
                        .with { $0.name = "f\(number)"; $0.jsonName = "f\(number)"; $0.number = number; $0.type = .string; $0.label = .optional }
                    }
                }]
            }]
        }
    }

    @Test(arguments: [[Int32](), [1], [2]])
    func aMapEntryWithoutKeyOrValueIsRefused(fields: [Int32]) throws {
        let transcoder = DynamicTranscoder(index: DescriptorIndex(files: [Self.file(entryFields: fields)]))
        // One entry, {1: "k"}, of field 1.
        let reply = Data([0x0a, 0x03, 0x0a, 0x01, 0x6b])
        #expect(throws: (any Error).self) { try transcoder.decode(reply, type: "h.M") }
        #expect(throws: (any Error).self) { try transcoder.encode(json: ["m": ["k": "v"]], type: "h.M") }
    }
}
