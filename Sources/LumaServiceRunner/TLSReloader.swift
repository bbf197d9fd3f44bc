import Foundation
import LumaServiceKit
import Logging
import LumaMetrics
import LumaRPCNIO
import ServiceLifecycle
import UnixSignals

/// Reloads a service's TLS certificates on SIGHUP (a renewed certificate, a rotated CA) without
/// a restart: new connections use the new files, open ones keep theirs, nothing is dropped. A
/// file that cannot be used is logged and the old context stays.
public struct TLSReloader: Service {
    let contexts: [RPCTLSContext]
    let logger: Logger

    public init(contexts: [RPCTLSContext], logger: Logger) {
        self.contexts = contexts
        self.logger = logger
    }

    public func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            reload()
        }
    }

    func reload() {
        for context in contexts {
            do {
                try context.reload()
                logger.notice("TLS certificates reloaded", metadata: [
                    "side": "\(context.side)", "certificate": "\(context.files.certificate ?? "-")",
                    "expires": "\(context.presented.map { ISO8601DateFormatter().string(from: $0.notValidAfter) } ?? "-")",
                ])
            } catch {
                logger.error("TLS reload failed; the previous certificates stay in use", metadata: ["error": "\(error)"])
            }
        }
    }

    /// `luma_tls_certificate_expiry_seconds{side}`: seconds until the certificate this service
    /// presents expires (as a server, and to its peers), read at each scrape.
    public static func expiryCollector(_ contexts: [RPCTLSContext]) -> LumaMetrics.Collector {
        { metrics in
            for context in contexts {
                guard let presented = context.presented else { continue }
                metrics.gauge("luma_tls_certificate_expiry_seconds", [("side", "\(context.side)")])
                    .record(presented.notValidAfter.timeIntervalSinceNow)
            }
        }
    }
}
