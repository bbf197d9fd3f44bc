import NIOConcurrencyHelpers

/// The serving status of each hosted service, as `luma.rpc.v1.Health/Check` reports it.
/// A service may flip itself to NOT_SERVING (e.g. while its database is unavailable).
public final class RPCHealthStatus: Sendable {
    public typealias Status = Luma_Rpc_V1_HealthCheckResponse.ServingStatus
    private let statuses: NIOLockedValueBox<[String: Status]>

    init(services: [String]) {
        statuses = NIOLockedValueBox(Dictionary(uniqueKeysWithValues: services.map { ($0, .notServing) }))
    }

    public func set(_ service: String, _ status: Status) {
        statuses.withLockedValue { $0[service] = status }
    }

    func setAll(_ status: Status) {
        statuses.withLockedValue { all in for key in all.keys { all[key] = status } }
    }

    /// Nil for a service this server does not host. The empty name means the whole server:
    /// SERVING only when every service is.
    public func status(of service: String) -> Status? {
        statuses.withLockedValue { all in
            if service.isEmpty {
                return all.values.allSatisfy { $0 == .serving } ? .serving : .notServing
            }
            return all[service]
        }
    }
}

struct HealthService: Luma_Rpc_V1_HealthProvider {
    let status: RPCHealthStatus

    func check(_ request: Luma_Rpc_V1_HealthCheckRequest, context: RPCServerContext) async throws -> Luma_Rpc_V1_HealthCheckResponse {
        guard let current = status.status(of: request.service) else {
            throw RPCError.notFound("unknown service '\(request.service)'", field: "service")
        }
        var response = Luma_Rpc_V1_HealthCheckResponse()
        response.status = current
        return response
    }
}
