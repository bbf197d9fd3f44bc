import Foundation
import SwiftProtobuf

/// `luma.rpc.v1.Reflection`: lists the hosted services and serves their descriptors.
struct ReflectionService: Luma_Rpc_V1_ReflectionProvider {
    let descriptors: [RPCServiceDescriptor]

    init(descriptors: [RPCServiceDescriptor]) {
        // Reflection describes itself and Health too.
        self.descriptors = descriptors + [Luma_Rpc_V1_HealthService.descriptor, Luma_Rpc_V1_ReflectionService.descriptor]
    }

    func listServices(_ request: Luma_Rpc_V1_ListServicesRequest, context: RPCServerContext) async throws -> Luma_Rpc_V1_ListServicesResponse {
        var response = Luma_Rpc_V1_ListServicesResponse()
        response.services = descriptors.sorted { $0.name < $1.name }.map { service in
            var info = Luma_Rpc_V1_ServiceInfo()
            info.name = service.name
            info.methods = service.methods.map { method in
                var methodInfo = Luma_Rpc_V1_MethodInfo()
                methodInfo.name = method.method
                methodInfo.inputType = method.inputType
                methodInfo.outputType = method.outputType
                methodInfo.idempotent = method.idempotency.isRetryable
                return methodInfo
            }
            return info
        }
        return response
    }

    func fileContainingSymbol(_ request: Luma_Rpc_V1_FileContainingSymbolRequest, context: RPCServerContext) async throws -> Luma_Rpc_V1_FileDescriptorsResponse {
        let symbol = request.symbol.replacingOccurrences(of: "/", with: ".")
        guard !symbol.isEmpty else { throw RPCError.invalidArgument("symbol is required", field: "symbol") }
        for service in descriptors {
            // Chains are dependency-ordered, so a file's prefix holds everything it imports.
            for (index, bytes) in service.fileDescriptorProtos.enumerated() {
                guard let file = try? Google_Protobuf_FileDescriptorProto(serializedBytes: bytes),
                      Self.defines(file, symbol: symbol) else { continue }
                var response = Luma_Rpc_V1_FileDescriptorsResponse()
                response.fileDescriptorProtos = Array(service.fileDescriptorProtos[...index])
                return response
            }
        }
        throw RPCError.notFound("no file defines symbol '\(request.symbol)'", field: "symbol")
    }

    private static func defines(_ file: Google_Protobuf_FileDescriptorProto, symbol: String) -> Bool {
        let prefix = file.package.isEmpty ? "" : file.package + "."
        var names: [String] = []
        for service in file.service {
            names.append(prefix + service.name)
            names += service.method.map { prefix + service.name + "." + $0.name }
        }
        func addMessages(_ messages: [Google_Protobuf_DescriptorProto], scope: String) {
            for message in messages {
                names.append(scope + message.name)
                names += message.enumType.map { scope + message.name + "." + $0.name }
                addMessages(message.nestedType, scope: scope + message.name + ".")
            }
        }
        addMessages(file.messageType, scope: prefix)
        names += file.enumType.map { prefix + $0.name }
        return names.contains(symbol)
    }
}
