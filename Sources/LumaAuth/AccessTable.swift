import LumaRPC

/// docs/protocol.md's per-method access table, rendered from the policies themselves; a test
/// compares the document with this output, so the two cannot drift.
public enum AccessTable {
    public static func markdown(_ services: [(policy: AccessPolicy, descriptors: [RPCServiceDescriptor])]) -> String {
        var lines = ["| method | admin | service | creator |", "|---|---|---|---|"]
        var seen = Set<String>()
        for (policy, descriptors) in services {
            for method in descriptors.flatMap(\.methods) where seen.insert(method.fullName).inserted {
                let marks: [String]
                switch policy.rule(for: method.fullName) {
                case nil: marks = ["no", "no", "no"]
                case .open: marks = ["open", "open", "open"]
                case let rule?: marks = Principal.Role.allCases.map { rule.allows($0) ? "yes" : "no" }
                }
                lines.append("| `\(method.fullName)` | \(marks.joined(separator: " | ")) |")
            }
        }
        return lines.joined(separator: "\n")
    }
}
