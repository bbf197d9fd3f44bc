import Foundation
import SwiftProtobuf

/// The untyped form of a handler: bytes in, bytes out. The server only sees this; typed
/// decoding and encoding happen inside, so a bad payload becomes INVALID_ARGUMENT.
public struct RPCRawHandler: Sendable {
    /// A handler that never suspends, as a plain function: the request's bytes are valid only
    /// during the call (a transport passes its receive buffer without copying), and the
    /// response comes back as an array, which costs one allocation where `Data` costs two.
    public typealias SynchronousBody = @Sendable (UnsafeRawBufferPointer, RPCServerContext) throws -> [UInt8]

    public let descriptor: RPCMethodDescriptor
    let body: @Sendable (Data, RPCServerContext) async throws -> Data
    /// Set for a handler that never suspends: a transport may run it in place, without a task
    /// (see `RPCRouter.synchronousBody`).
    let synchronousBody: SynchronousBody?

    public init(descriptor: RPCMethodDescriptor, body: @escaping @Sendable (Data, RPCServerContext) async throws -> Data) {
        self.descriptor = descriptor
        self.body = body
        self.synchronousBody = nil
    }

    /// A handler that never suspends. Internal: only `registerSynchronous` makes one, so no
    /// handler outside this module sees a borrowed pointer.
    @usableFromInline
    init(descriptor: RPCMethodDescriptor, synchronousBody: @escaping SynchronousBody) {
        self.descriptor = descriptor
        self.body = { bytes, context in
            Data(try bytes.withUnsafeBytes { try synchronousBody($0, context) })
        }
        self.synchronousBody = synchronousBody
    }
}

/// Collects a provider's typed handlers as raw handlers keyed by full method name.
public struct RPCMethodRegistrar: Sendable {
    private(set) var handlers: [String: RPCRawHandler] = [:]

    public init() {}

    /// Inlinable so that the decode, the handler call and the encode are specialised for the
    /// message types in the generated provider's module.
    @inlinable
    public mutating func register<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        handler: @escaping @Sendable (Request, RPCServerContext) async throws -> Response
    ) {
        let descriptor = method.descriptor
        add(RPCRawHandler(descriptor: descriptor) { bytes, context in
            let request: Request
            do {
                request = try Request(serializedBytes: bytes)
            } catch {
                throw RPCError.invalidArgument(
                    "request payload is not a valid \(descriptor.inputType): \(error)", field: "payload")
            }
            let response = try await handler(request, context)
            return try response.serializedData()
        })
    }

    /// A handler that never suspends (no I/O, no calls, no awaits: an echo, a health check, a
    /// lookup in memory). Without server interceptors the NIO transport runs it inside the read
    /// that delivered the request, with no task per call; with interceptors, or on another
    /// transport, it runs like any handler.
    @inlinable
    public mutating func registerSynchronous<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        handler: @escaping @Sendable (Request, RPCServerContext) throws -> Response
    ) {
        let descriptor = method.descriptor
        add(RPCRawHandler(descriptor: descriptor, synchronousBody: { bytes, context in
            let request: Request
            do {
                // Decoded straight from the borrowed bytes: SwiftProtobuf copies what it keeps.
                request = try Request(serializedBytes: RawSpan(_unsafeBytes: bytes))
            } catch {
                throw RPCError.invalidArgument(
                    "request payload is not a valid \(descriptor.inputType): \(error)", field: "payload")
            }
            return try handler(request, context).serializedBytes()
        }))
    }

    /// A handler of raw bytes, for services without generated types (proxies, dynamic or test
    /// services described only by their descriptors).
    public mutating func register(raw handler: RPCRawHandler) {
        add(handler)
    }

    @usableFromInline
    mutating func add(_ handler: RPCRawHandler) {
        handlers[handler.descriptor.fullName] = handler
    }
}
