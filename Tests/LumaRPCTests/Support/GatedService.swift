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

    private struct State {
        var held: [UUID: CheckedContinuation<Void, Never>] = [:]
        var cancelled = 0
        /// Tests waiting for `held` or `cancelled` to change.
        var watchers: [CheckedContinuation<Void, Never>] = []
    }

    private let state = NIOLockedValueBox(State())

    var serviceDescriptor: RPCServiceDescriptor {
        RPCServiceDescriptor(name: Self.name, methods: [Self.hold, Self.sized].map(\.descriptor), fileDescriptorsBase64: [])
    }

    /// Calls waiting in `Hold`.
    var holding: Int { state.withLockedValue { $0.held.count } }
    /// `Hold` calls whose task was cancelled (by a deadline or a Cancel frame).
    var cancellations: Int { state.withLockedValue { $0.cancelled } }

    /// Suspends until `count` calls wait in `Hold` (they run on other tasks). Suspends rather
    /// than spinning with `Task.yield()`: spinning test tasks can starve the very handlers they
    /// wait for when tests run in parallel on a small cooperative pool.
    func waitUntilHolding(_ count: Int) async {
        await waitUntil { $0.held.count >= count }
    }

    /// Suspends until a `Hold` call has seen its task cancelled.
    func waitForCancellation() async {
        await waitUntil { $0.cancelled > 0 }
    }

    private func waitUntil(_ condition: @escaping @Sendable (State) -> Bool) async {
        while !state.withLockedValue({ condition($0) }) {
            // Checked and registered under the lock that every change takes: no change is missed.
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let met = state.withLockedValue { state -> Bool in
                    if condition(state) { return true }
                    state.watchers.append(continuation)
                    return false
                }
                if met { continuation.resume() }
            }
        }
    }

    /// Changes the state and wakes every watcher to check again.
    private func change<T>(_ body: (inout State) -> T) -> T {
        let (result, watchers) = state.withLockedValue { state -> (T, [CheckedContinuation<Void, Never>]) in
            let result = body(&state)
            defer { state.watchers = [] }
            return (result, state.watchers)
        }
        for watcher in watchers { watcher.resume() }
        return result
    }

    /// Lets every waiting `Hold` call return.
    func releaseAll() {
        for continuation in change({ state in defer { state.held = [:] }; return state.held.values }) { continuation.resume() }
    }

    func registerMethods(with registrar: inout RPCMethodRegistrar) {
        registrar.register(Self.hold) { [self] request, _ in
            let id = UUID()
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let cancelledAlready = change { state -> Bool in
                        if Task.isCancelled { return true }
                        state.held[id] = continuation
                        return false
                    }
                    if cancelledAlready { continuation.resume() }
                }
            } onCancel: {
                change { $0.held.removeValue(forKey: id) }?.resume()
            }
            if Task.isCancelled { change { $0.cancelled += 1 } }
            return .with { $0.text = "released \(request.text)" }
        }
        registrar.registerSynchronous(Self.sized) { request, _ in
            .with { $0.text = String(repeating: "x", count: Int(request.text) ?? 0) }
        }
    }
}
