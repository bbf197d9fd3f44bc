import Foundation
import LumaEcho
import LumaRPC
import NIOConcurrencyHelpers

/// A service for virtual-time tests, whose handlers never touch a clock: `Hold` waits until the
/// test releases it (so a call stays in flight exactly as long as the test wants) and `Sized`
/// answers a text of the length asked for, synchronously, within the read (to probe the frame
/// limit to the byte, and how responses are batched).
final class GatedService: RPCServiceProvider, Sendable {
    typealias Request = Luma_Examples_V1_EchoRequest
    typealias Response = Luma_Examples_V1_EchoResponse

    static let name = "luma.test.v1.Gated"
    static func method(_ name: String) -> RPCMethod<Request, Response> {
        RPCMethod(descriptor: RPCMethodDescriptor(
            service: Self.name, method: name, inputType: "luma.examples.v1.EchoRequest",
            outputType: "luma.examples.v1.EchoResponse", idempotency: .unknown))
    }
    static let hold = method("Hold")
    static let sized = method("Sized")

    private let held = NIOLockedValueBox<[UUID: CheckedContinuation<Void, Never>]>([:])
    private let cancelled = NIOLockedValueBox(0)

    var serviceDescriptor: RPCServiceDescriptor {
        RPCServiceDescriptor(name: Self.name, methods: [Self.hold, Self.sized].map(\.descriptor), fileDescriptorsBase64: [])
    }

    /// Calls waiting in `Hold`.
    var holding: Int { held.withLockedValue { $0.count } }
    /// `Hold` calls whose task was cancelled (by a deadline or a Cancel frame).
    var cancellations: Int { cancelled.withLockedValue { $0 } }

    /// Lets every waiting `Hold` call return.
    func releaseAll() {
        for continuation in held.withLockedValue({ held in defer { held = [:] }; return held.values }) { continuation.resume() }
    }

    func registerMethods(with registrar: inout RPCMethodRegistrar) {
        registrar.register(Self.hold) { [self] request, _ in
            let id = UUID()
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let cancelledAlready = held.withLockedValue { held -> Bool in
                        if Task.isCancelled { return true }
                        held[id] = continuation
                        return false
                    }
                    if cancelledAlready { continuation.resume() }
                }
            } onCancel: {
                held.withLockedValue { $0.removeValue(forKey: id) }?.resume()
            }
            if Task.isCancelled { cancelled.withLockedValue { $0 += 1 } }
            return .with { $0.text = "released \(request.text)" }
        }
        registrar.registerSynchronous(Self.sized) { request, _ in
            .with { $0.text = String(repeating: "x", count: Int(request.text) ?? 0) }
        }
    }
}
