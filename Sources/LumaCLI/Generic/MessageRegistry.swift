import ContentAPI
import CreatorsAPI
import LumaEcho
import LumaRPC
import LumaValues
import OpsAPI
import SwiftProtobuf
import VersesAPI

/// Every message type lumactl was built with, by full proto name. JSON is turned into binary
/// with these generated types: SwiftProtobuf has no dynamic messages, and a descriptor-driven
/// codec is a project of its own. The trade-off: lumactl can call methods whose messages it
/// was compiled with (every Luma service); for others it still lists and describes them through
/// reflection, and says why it cannot encode them.
enum MessageRegistry {
    static let types: [String: any SwiftProtobuf.Message.Type] = {
        let all: [[any SwiftProtobuf.Message.Type]] = [
            Luma_Rpc_V1_HealthService.messageTypes, Luma_Rpc_V1_ReflectionService.messageTypes,
            Luma_Examples_V1_EchoService.messageTypes, Luma_Ops_V1_OperationsService.messageTypes,
            Luma_Verses_V1_VerseRegistryService.messageTypes, Luma_Creators_V1_CreatorRegistryService.messageTypes,
            Luma_Content_V1_ContentPipelineService.messageTypes,
        ]
        return Dictionary(all.joined().map { ($0.protoMessageName, $0) }, uniquingKeysWith: { first, _ in first })
    }()

    static func type(named name: String) throws -> any SwiftProtobuf.Message.Type {
        guard let type = types[name] else {
            throw RPCError.unimplemented("lumactl was not built with message type \(name); it can describe it but not encode it")
        }
        return type
    }
}

extension RPCError {
    static func unimplemented(_ message: String) -> RPCError { RPCError(.unimplemented, message) }
}
