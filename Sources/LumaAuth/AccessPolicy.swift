import LumaRPC

/// Who may call a method. Each service declares one rule per method, next to its provider; a
/// method without a rule is refused (fail closed), and a test checks every generated method has
/// one.
public enum AccessRule: Sendable, Equatable {
    /// No token needed (health, reflection).
    case open
    /// Any valid token: admin, service or creator.
    case authenticated
    /// Only these roles (admin is always included).
    case roles(Set<Principal.Role>)

    public static let admin = AccessRule.roles([.admin])
    public static let adminOrService = AccessRule.roles([.admin, .service])
    public static let anyRole = AccessRule.authenticated

    public func allows(_ role: Principal.Role) -> Bool {
        switch self {
        case .open, .authenticated: return true
        case .roles(let roles): return role == .admin || roles.contains(role)
        }
    }
}

public struct AccessPolicy: Sendable {
    var rules: [String: AccessRule]

    public init(_ rules: [String: AccessRule] = [:]) {
        self.rules = rules
    }

    /// Rules for a service's methods, keyed by the generated method descriptors.
    public init(_ rules: [(RPCMethodDescriptor, AccessRule)]) {
        self.rules = Dictionary(rules.map { ($0.0.fullName, $0.1) }, uniquingKeysWith: { $1 })
    }

    public func merging(_ other: AccessPolicy) -> AccessPolicy {
        AccessPolicy(rules.merging(other.rules) { $1 })
    }

    public func rule(for method: String) -> AccessRule? {
        if method.hasPrefix("luma.rpc.v1.Health/") || method.hasPrefix("luma.rpc.v1.Reflection/") { return .open }
        return rules[method]
    }

    /// Whether a caller of `role` may call `method` (a method without a rule: no one). What a
    /// service tells a caller it may do is derived from this, so it never disagrees with what
    /// the server then allows.
    public func allows(_ method: RPCMethodDescriptor, _ role: Principal.Role) -> Bool {
        rule(for: method.fullName)?.allows(role) ?? false
    }

    /// Methods of `descriptors` that have no rule: should be empty.
    public func missingRules(for descriptors: [RPCServiceDescriptor]) -> [String] {
        descriptors.flatMap(\.methods).map(\.fullName).filter { rule(for: $0) == nil }
    }
}
