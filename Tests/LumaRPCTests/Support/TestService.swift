import Foundation
import LumaEcho
import LumaRPC
import NIOConcurrencyHelpers

/// A service whose methods misbehave on purpose: sleep, throw, report their context.
/// Registered through the same typed API generated providers use.
struct MisbehavingService: RPCServiceProvider {
    typealias Request = Luma_Examples_V1_EchoRequest
    typealias Response = Luma_Examples_V1_EchoResponse

    static let name = "luma.test.v1.Misbehaving"
    static func method(_ name: String, _ idempotency: RPCIdempotency = .unknown) -> RPCMethod<Request, Response> {
        RPCMethod(descriptor: RPCMethodDescriptor(
            service: Self.name, method: name, inputType: "luma.examples.v1.EchoRequest",
            outputType: "luma.examples.v1.EchoResponse", idempotency: idempotency))
    }
    static let sleep = method("Sleep")
    static let fail = method("Fail")
    static let failWithStatus = method("FailWithStatus")
    static let context = method("Context", .noSideEffects)
    static let relay = method("Relay")

    /// Counts handler tasks that observed cancellation (deadline or cancel frame).
    let cancellations = NIOLockedValueBox(0)
    let started = NIOLockedValueBox(0)
    /// Used by Relay: a client to call onward, proving deadline and trace propagation.
    let onward: RPCClient?

    init(onward: RPCClient? = nil) {
        self.onward = onward
    }

    var serviceDescriptor: RPCServiceDescriptor {
        RPCServiceDescriptor(
            name: Self.name,
            methods: [Self.sleep, Self.fail, Self.failWithStatus, Self.context, Self.relay].map(\.descriptor),
            fileDescriptorsBase64: [])
    }

    func registerMethods(with registrar: inout RPCMethodRegistrar) {
        let cancellations = self.cancellations
        let started = self.started
        // Sleeps for `text` milliseconds, honouring cancellation.
        registrar.register(Self.sleep) { request, _ in
            started.withLockedValue { $0 += 1 }
            do {
                try await Task.sleep(nanoseconds: UInt64(request.text)! * 1_000_000)
            } catch {
                cancellations.withLockedValue { $0 += 1 }
                throw error
            }
            var response = Response()
            response.text = "slept"
            return response
        }
        registrar.register(Self.fail) { _, _ in
            struct SecretDatabaseError: Error { let path = "/var/secret/db.sqlite" }
            throw SecretDatabaseError()
        }
        registrar.register(Self.failWithStatus) { request, _ in
            // "relay": a failure relayed from a peer names it (RPCError.origin).
            if request.text == "relay" { throw RPCError.unavailable("a peer is unreachable", origin: "peer-service") }
            throw RPCError(.failedPrecondition, "cannot do \(request.text)", field: "text")
        }
        // Reports the context the handler saw: "<remaining ms>|<trace id>|<metadata x>".
        registrar.register(Self.context) { _, context in
            var response = Response()
            let remaining = context.remainingTime.map { "\($0.nanoseconds / 1_000_000)" } ?? "none"
            response.text = "\(remaining)|\(context.traceID)|\(context.metadata["x"] ?? "")"
            return response
        }
        let onward = self.onward
        registrar.register(Self.relay) { request, _ in
            try await onward!.call(Self.context, request)
        }
    }
}
