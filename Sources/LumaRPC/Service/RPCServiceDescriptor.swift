import Foundation

/// Whether a method may be retried: from the proto's `idempotency_level` option.
public enum RPCIdempotency: Sendable, Hashable {
    /// Not declared: the call may have side effects and is never retried.
    case unknown
    /// Safe to repeat: repeating it has the same effect as calling once.
    case idempotent
    /// Reads only.
    case noSideEffects

    public var isRetryable: Bool { self != .unknown }
}

/// One method of a service, as generated from `proto/`.
public struct RPCMethodDescriptor: Sendable, Hashable {
    /// Full service name, e.g. `luma.verses.v1.VerseRegistry`.
    public let service: String
    /// Short method name, e.g. `ClaimVerse`.
    public let method: String
    /// Full message names of the request and response types.
    public let inputType: String
    public let outputType: String
    public let idempotency: RPCIdempotency

    /// The name on the wire: `luma.verses.v1.VerseRegistry/ClaimVerse`.
    public let fullName: String

    public init(service: String, method: String, inputType: String, outputType: String, idempotency: RPCIdempotency) {
        self.service = service
        self.method = method
        self.inputType = inputType
        self.outputType = outputType
        self.idempotency = idempotency
        self.fullName = "\(service)/\(method)"
    }
}

/// A service: its methods and the descriptors reflection serves.
public struct RPCServiceDescriptor: Sendable {
    public let name: String
    public let methods: [RPCMethodDescriptor]
    /// Serialized `google.protobuf.FileDescriptorProto`s: the service's file and every file
    /// it imports, dependencies first.
    public let fileDescriptorProtos: [Data]

    public init(name: String, methods: [RPCMethodDescriptor], fileDescriptorsBase64: [String]) {
        self.name = name
        self.methods = methods
        self.fileDescriptorProtos = fileDescriptorsBase64.map { Data(base64Encoded: $0) ?? Data() }
    }
}
