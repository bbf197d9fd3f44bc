/// A `host:port` a client connects to.
public struct RPCEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Parses `HOST:PORT[,HOST:PORT...]` (IPv6 hosts in brackets), as the services' `--content`,
    /// `--verses` and `--creators` flags take it.
    public static func parseList(_ text: String) throws -> [RPCEndpoint] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !parts.isEmpty else { throw RPCError.invalidArgument("no endpoint in '\(text)'; expected HOST:PORT[,HOST:PORT]") }
        return try parts.map { try parse($0) }
    }

    /// `allowingPortZero` is for listen addresses, where 0 asks the OS for a free port.
    public static func parse(_ text: String, allowingPortZero: Bool = false) throws -> RPCEndpoint {
        guard let colon = text.lastIndex(of: ":") else {
            throw RPCError.invalidArgument("endpoint '\(text)' has no port; expected HOST:PORT")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw RPCError.invalidArgument("endpoint '\(text)' has no host; expected HOST:PORT") }
        guard let port = Int(text[text.index(after: colon)...]), ((allowingPortZero ? 0 : 1)...65535).contains(port) else {
            throw RPCError.invalidArgument("endpoint '\(text)' has an invalid port; expected 1-65535")
        }
        return RPCEndpoint(host: host, port: port)
    }
}

import Foundation
