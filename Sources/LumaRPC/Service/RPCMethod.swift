import SwiftProtobuf

/// A method bound to its request and response types: what typed clients call and typed
/// handlers register. Generated per method into `<Service>Service.Method`.
public struct RPCMethod<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>: Sendable {
    public let descriptor: RPCMethodDescriptor

    public init(descriptor: RPCMethodDescriptor) {
        self.descriptor = descriptor
    }
}

/// A service implementation the server can host. Generated `<Service>Provider` protocols
/// refine it and implement both requirements; implementers write only the typed methods.
public protocol RPCServiceProvider: Sendable {
    var serviceDescriptor: RPCServiceDescriptor { get }
    func registerMethods(with registrar: inout RPCMethodRegistrar)
}
