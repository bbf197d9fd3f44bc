import ArgumentParser
import Foundation
import LumaRPC
import LumaClientOptions
import LumaRPCNIO
import NIOCore
import SwiftProtobuf

/// Options of the generic commands: a target address.
struct TargetOptions: ParsableArguments {
    @Argument(help: "Server address, HOST:PORT.")
    var address: String

    @Option(name: .customLong("deadline"), help: "Deadline in seconds.")
    var deadline: Double = 10

    @Option(name: .customShort("H"), help: "Request metadata, key=value (repeatable).")
    var header: [String] = []

    @Option(help: "Bearer token (env LUMA_TOKEN; default: an admin token from the local stack's key, if present).")
    var token: String?

    @OptionGroup var tls: ClientTLSOptions

    func client() throws -> RPCClient {
        let endpoint: RPCEndpoint
        do {
            endpoint = try RPCEndpoint.parse(address)
        } catch let error as RPCError {
            throw ValidationError(error.message)
        }
        var configuration = RPCClient.Configuration()
        configuration.defaultTimeout = .nanoseconds(Int64(deadline * 1e9))
        configuration.maxAttempts = 1
        // An explicit -H authorization=... wins over the token.
        if !header.contains(where: { $0.lowercased().hasPrefix("authorization=") }) {
            configuration.interceptors = Credentials.interceptors(flag: token)
        }
        return OpenClients.shared.track(RPCClient(endpoints: [endpoint], configuration: configuration, tls: try tls.context()))
    }

    func metadata() throws -> [String: String] {
        var metadata: [String: String] = [:]
        for pair in header {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ValidationError("-H '\(pair)': expected key=value")
            }
            metadata[pair[..<equals].lowercased()] = String(pair[pair.index(after: equals)...])
        }
        return metadata
    }
}

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List a server's services and methods (via reflection).")

    @OptionGroup var target: TargetOptions

    func run() async throws {
        try await reportingErrors {
            let reflection = Luma_Rpc_V1_ReflectionClient(try target.client())
            let services = try await reflection.listServices(.init(), options: .init(metadata: try target.metadata())).services
            for service in services {
                print(service.name)
                for method in service.methods {
                    print("  \(service.name)/\(method.name)(\(method.inputType)) returns (\(method.outputType))\(method.idempotent ? "  [idempotent]" : "")")
                }
            }
        }
    }
}

struct DescribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe", abstract: "Describe a method (its request and response) or a message (its fields).")

    @OptionGroup var target: TargetOptions

    @Argument(help: "A method (package.Service/Method), service or message full name.")
    var symbol: String

    func run() async throws {
        try await reportingErrors {
            let reflection = Luma_Rpc_V1_ReflectionClient(try target.client())
            let files = try await reflection.fileContainingSymbol(.with { $0.symbol = symbol }, options: .init(metadata: try target.metadata()))
            let descriptors = try files.fileDescriptorProtos.map { try Google_Protobuf_FileDescriptorProto(serializedBytes: $0) }
            let index = DescriptorIndex(files: descriptors)
            let name = symbol.replacingOccurrences(of: "/", with: ".")
            if let (service, method) = index.method(name) {
                print("\(service)/\(method.name)")
                print("  request:  \(method.inputType.dropFirst())")
                print("  response: \(method.outputType.dropFirst())")
                for type in [method.inputType, method.outputType] {
                    print("")
                    index.printMessage(String(type.dropFirst()))
                }
            } else if let service = index.service(name) {
                print("service \(name)")
                for method in service.method {
                    print("  rpc \(method.name)(\(method.inputType.dropFirst())) returns (\(method.outputType.dropFirst()))")
                }
            } else if index.message(name) != nil {
                index.printMessage(name)
            } else {
                throw RPCError.notFound("no service, method or message named '\(symbol)'")
            }
        }
    }
}

/// Looks symbols up in FileDescriptorProtos served by reflection.
struct DescriptorIndex {
    var messages: [String: Google_Protobuf_DescriptorProto] = [:]
    var enums: [String: Google_Protobuf_EnumDescriptorProto] = [:]
    var services: [String: Google_Protobuf_ServiceDescriptorProto] = [:]

    init(files: [Google_Protobuf_FileDescriptorProto]) {
        for file in files {
            let prefix = file.package.isEmpty ? "" : file.package + "."
            for service in file.service { services[prefix + service.name] = service }
            for e in file.enumType { enums[prefix + e.name] = e }
            add(file.messageType, scope: prefix)
        }
    }

    private mutating func add(_ list: [Google_Protobuf_DescriptorProto], scope: String) {
        for message in list {
            messages[scope + message.name] = message
            for e in message.enumType { enums[scope + message.name + "." + e.name] = e }
            add(message.nestedType, scope: scope + message.name + ".")
        }
    }

    func service(_ name: String) -> Google_Protobuf_ServiceDescriptorProto? { services[name] }
    func message(_ name: String) -> Google_Protobuf_DescriptorProto? { messages[name] }

    func method(_ name: String) -> (String, Google_Protobuf_MethodDescriptorProto)? {
        guard let dot = name.lastIndex(of: ".") else { return nil }
        let serviceName = String(name[..<dot])
        let methodName = String(name[name.index(after: dot)...])
        guard let service = services[serviceName], let method = service.method.first(where: { $0.name == methodName }) else { return nil }
        return (serviceName, method)
    }

    func printMessage(_ name: String) {
        guard let message = messages[name] else {
            print("message \(name) (defined elsewhere)")
            return
        }
        print("message \(name) {")
        let oneofs = message.oneofDecl.map(\.name)
        for field in message.field {
            let repeated = field.label == .repeated ? "repeated " : ""
            let oneof = field.hasOneofIndex && Int(field.oneofIndex) < oneofs.count ? "  // oneof \(oneofs[Int(field.oneofIndex)])" : ""
            print("  \(repeated)\(Self.typeName(field)) \(field.name) = \(field.number);\(oneof)")
        }
        print("}")
        for field in message.field where field.type == .enum {
            let enumName = String(field.typeName.dropFirst())
            if let e = enums[enumName] {
                print("enum \(enumName) { \(e.value.map { "\($0.name) = \($0.number)" }.joined(separator: "; ")) }")
            }
        }
    }

    static func typeName(_ field: Google_Protobuf_FieldDescriptorProto) -> String {
        switch field.type {
        case .message, .enum: return String(field.typeName.dropFirst())
        case .double: return "double"
        case .float: return "float"
        case .int64: return "int64"
        case .uint64: return "uint64"
        case .int32: return "int32"
        case .uint32: return "uint32"
        case .bool: return "bool"
        case .string: return "string"
        case .bytes: return "bytes"
        case .sint32: return "sint32"
        case .sint64: return "sint64"
        case .fixed32: return "fixed32"
        case .fixed64: return "fixed64"
        case .sfixed32: return "sfixed32"
        case .sfixed64: return "sfixed64"
        default: return "\(field.type)"
        }
    }
}

struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call", abstract: "Call a method with a JSON request; print the JSON response.",
        discussion: "Example: lumactl call 127.0.0.1:7101 luma.verses.v1.VerseRegistry/ValidateReference -d '{\"reference\":\"Jn 3:16\"}'")

    @OptionGroup var target: TargetOptions

    @Argument(help: "Full method name, package.Service/Method.")
    var method: String

    @Option(name: .customShort("d"), help: "Request JSON, @FILE to read a file, @- for stdin (default {}).")
    var data = "{}"

    func run() async throws {
        try await reportingErrors {
            let json = try Self.readData(data)
            // Syntax first, before any connection: a typo never reaches a server.
            do {
                try JSONSyntax.check(json)
            } catch {
                throw RPCError.invalidArgument("request JSON is malformed at \(error)")
            }
            let parts = method.split(separator: "/")
            guard parts.count == 2 else { throw RPCError.invalidArgument("method must be package.Service/Method, not '\(method)'") }
            let client = try target.client()
            // Ask the server what the method takes and returns.
            let services = try await Luma_Rpc_V1_ReflectionClient(client).listServices(.init()).services
            guard let service = services.first(where: { $0.name == parts[0] }),
                  let info = service.methods.first(where: { $0.name == parts[1] }) else {
                throw RPCError(.unimplemented, "the server has no method '\(method)' (see lumactl list)")
            }
            // The method's messages as the server describes them: no compiled-in types needed.
            let reflection = Luma_Rpc_V1_ReflectionClient(client)
            let files = try await reflection.fileContainingSymbol(.with { $0.symbol = service.name }, options: .init(metadata: try target.metadata()))
            let transcoder = DynamicTranscoder(index: DescriptorIndex(
                files: try files.fileDescriptorProtos.map { try Google_Protobuf_FileDescriptorProto(serializedBytes: $0) }))
            let object = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
            let payload = try transcoder.encode(json: object, type: info.inputType)
            let descriptor = RPCMethodDescriptor(service: service.name, method: info.name, inputType: info.inputType,
                                                 outputType: info.outputType, idempotency: info.idempotent ? .idempotent : .unknown)
            let reply = try await client.call(descriptor, payload: payload, options: .init(metadata: try target.metadata()))
            Output.json(object: try transcoder.decode(reply, type: info.outputType))
        }
    }

    static func readData(_ data: String) throws -> String {
        if data == "@-" {
            return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        if data.hasPrefix("@") {
            let path = String(data.dropFirst())
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw RPCError.invalidArgument("cannot read request file '\(path)'")
            }
            return String(decoding: contents, as: UTF8.self)
        }
        return data
    }
}

struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "health", abstract: "Ask a server whether it is serving.")

    @OptionGroup var target: TargetOptions

    @Option(help: "A service name; the whole server by default.")
    var service = ""

    func run() async throws {
        try await reportingErrors {
            let health = Luma_Rpc_V1_HealthClient(try target.client())
            let status = try await health.check(.with { $0.service = service }, options: .init(metadata: try target.metadata())).status
            print(status == .serving ? "SERVING" : "NOT_SERVING")
            if let tls = try target.tls.context() {
                // What the server's certificate says, and when it expires (renew before then).
                let connection = try await RPCConnection.connect(to: try RPCEndpoint.parse(target.address), tls: tls)
                if let certificate = connection.serverCertificate {
                    let days = Int(certificate.notValidAfter.timeIntervalSinceNow / 86_400)
                    let when = ISO8601DateFormatter().string(from: certificate.notValidAfter)
                    print("TLS certificate \(certificate.name), expires \(when) (\(days < 0 ? "expired" : "in \(days) days"))")
                }
                await connection.close()
            }
            if status != .serving { throw ExitCode(Int32(RPCStatusCode.unavailable.rawValue)) }
        }
    }
}
