import ArgumentParser
import Foundation
import LumaServiceKit
import GRDB
import Logging
import LumaMetrics
import LumaRPC
import LumaRPCNIO
import LumaTracing

/// Options every Luma service executable takes.
public struct ServiceOptions: ParsableArguments {
    @Option(help: "Address to listen on, HOST:PORT.")
    public var listen: String?

    @Option(help: "SQLite database file (created if missing; WAL mode).")
    public var db: String?

    @Flag(help: "Do not apply pending migrations at start (fail instead if any is pending).")
    public var noMigrate = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    public var logLevel = "info"

    @Option(help: "Log format: text, or json (one object per line, for log shippers).")
    public var logFormat = "text"

    @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics (off unless given).")
    public var metricsListen: String?

    @Option(help: "Export a span per RPC call over OTLP/HTTP to this collector URL, e.g. http://localhost:4318 (off unless given).")
    public var otelEndpoint: String?

    @Option(help: "File with the key the services share for signing tokens (env LUMA_AUTH_KEY_FILE; at least 32 bytes).")
    public var authKey: String?

    @Flag(help: "Run without authentication: every caller may call everything. Development only.")
    public var insecureDev = false

    @Option(help: "Largest RPC frame accepted or sent, in bytes, for this server and its calls to peers (1024-268435456).")
    public var maxFrameSize: Int = RPCConnectionLimits().maxFrameSize

    @Option(help: "PEM certificate this service presents, as a server and to peers that ask; with --tls-key the server speaks only TLS (reloaded on SIGHUP).")
    public var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert.")
    public var tlsKey: String?

    @Option(help: "PEM CA whose client certificates callers must present (mutual TLS): a caller without one is refused during the handshake.")
    public var tlsClientCa: String?

    @Option(help: "PEM CA trusted for peers' certificates: calls to peers go over TLS and verify the peer's name (default: --tls-client-ca).")
    public var tlsCa: String?

    public init() {}

    public func validate() throws {
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format must be text or json, not '\(logFormat)'") }
        guard Logger.Level(rawValue: logLevel.lowercased()) != nil else {
            throw ValidationError("--log-level must be trace, debug, info, notice, warning, error or critical, not '\(logLevel)'")
        }
        if let otelEndpoint {
            do { _ = try LumaTracing.tracesURL(otelEndpoint) } catch { throw ValidationError("\(error)") }
        }
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw ValidationError(tlsCert == nil ? "--tls-key needs --tls-cert (the certificate it is the key of)" : "--tls-cert needs --tls-key")
        }
        if tlsClientCa != nil && tlsCert == nil {
            throw ValidationError("--tls-client-ca needs --tls-cert and --tls-key: mutual TLS is TLS first")
        }
    }

    /// The server's TLS from --tls-cert, --tls-key and --tls-client-ca; nil: plain TCP.
    public func serverTLS() throws -> RPCTLSContext? {
        guard let tlsCert, let tlsKey else { return nil }
        do {
            return try RPCTLSContext.server(certificate: tlsCert, key: tlsKey, clientCA: tlsClientCa)
        } catch let error as RPCTLSError {
            throw ValidationError("--tls-cert/--tls-key/--tls-client-ca: \(error)")
        }
    }

    /// TLS for calls to peers: --tls-ca (else --tls-client-ca) trusted, this service's own
    /// certificate presented; nil: plain TCP.
    public func peerTLS() throws -> RPCTLSContext? {
        guard let ca = tlsCa ?? tlsClientCa else { return nil }
        do {
            return try RPCTLSContext.client(ca: ca, certificate: tlsCert, key: tlsKey)
        } catch let error as RPCTLSError {
            throw ValidationError("--tls-ca: \(error)")
        }
    }

    /// The process's metrics when --metrics-listen is given, with where to serve them.
    public func metrics() throws -> (LumaMetrics, RPCEndpoint)? {
        guard let metricsListen else { return nil }
        do {
            return (LumaMetrics(), try RPCEndpoint.parse(metricsListen, allowingPortZero: true))
        } catch let error as RPCError {
            throw ValidationError("--metrics-listen: \(error.message)")
        }
    }

    /// Connection limits from the flags.
    public func connectionLimits() throws -> RPCConnectionLimits {
        try validatedLimits(maxFrameSize: maxFrameSize)
    }

    public func listenEndpoint(default fallback: String) throws -> RPCEndpoint {
        do {
            return try RPCEndpoint.parse(listen ?? fallback, allowingPortZero: true)
        } catch let error as RPCError {
            throw ValidationError("--listen: \(error.message)")
        }
    }

    /// Opens the database as a service starts: refuses a corrupt file or one migrated by a
    /// newer version, and applies (or, with --no-migrate, insists on) the migrations.
    public func openDatabase(default fallback: String, migrator: DatabaseMigrator, metrics: LumaMetrics? = nil) throws -> DatabasePool {
        try ServiceDatabase.openForService(path: db ?? fallback, migrator: migrator, migrate: !noMigrate, metrics: metrics).0
    }

    /// The database's file name, as error messages name it.
    public func databaseName(default fallback: String) -> String {
        URL(fileURLWithPath: db ?? fallback).lastPathComponent
    }
}

/// `RPCConnectionLimits` with `--max-frame-size` checked: a frame must hold at least a small
/// call, and 256 MiB bounds what one peer can make another allocate.
public func validatedLimits(maxFrameSize: Int) throws -> RPCConnectionLimits {
    guard (1024...268_435_456).contains(maxFrameSize) else {
        throw ValidationError("--max-frame-size must be between 1024 and 268435456 bytes, not \(maxFrameSize)")
    }
    var limits = RPCConnectionLimits()
    limits.maxFrameSize = maxFrameSize
    return limits
}

/// Parses a `HOST:PORT[,HOST:PORT]` peer list for a flag, with the flag's name in errors.
public func peerEndpoints(_ text: String, flag: String) throws -> [RPCEndpoint] {
    do {
        return try RPCEndpoint.parseList(text)
    } catch let error as RPCError {
        throw ValidationError("\(flag): \(error.message)")
    }
}

/// `<service> migrate` and `<service> migrations status`, shared by every service.
public struct MigrateCommand<Schema: ServiceSchema>: ParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "migrate", abstract: "Apply pending migrations and exit.")
    }

    @Option(help: "SQLite database file.")
    var db: String?

    public init() {}

    /// Prints what this run applied, decided under the start lock: of several runs at once,
    /// one applies and the others say "up to date".
    public func run() throws {
        let (_, applied) = try ServiceDatabase.openForService(path: db ?? Schema.defaultDatabasePath, migrator: Schema.migrator)
        print(applied.isEmpty ? "up to date" : applied.map { "applied  \($0)" }.joined(separator: "\n"))
    }
}

public struct MigrationsCommand<Schema: ServiceSchema>: ParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "migrations", abstract: "Inspect migrations.",
                             subcommands: [MigrationsStatusCommand<Schema>.self])
    }
    public init() {}
}

public struct MigrationsStatusCommand<Schema: ServiceSchema>: ParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "status", abstract: "Print each migration as applied or pending.")
    }

    @Option(help: "SQLite database file.")
    var db: String?

    public init() {}

    /// Reads only: a missing file is an error, never created.
    public func run() throws {
        let path = db ?? Schema.defaultDatabasePath
        guard FileManager.default.fileExists(atPath: path) else { throw DatabaseStartupError.missing(path: path) }
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        print(try Schema.migrator.statusReport(of: queue))
    }
}
