import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import CreatorsAPI
import Foundation
import Logging
import LumaAuth
import LumaCertificates
import LumaDefaults
import LumaRPC
import LumaRPCNIO
import LumaSupervisor
import UnixSignals

/// `lumactl up`: the three services and the studio as separate processes, on their default
/// ports, with their databases in a data directory; demo data (with sign-ins) on first start;
/// Ctrl-C or SIGTERM stops them all.
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Run verse-registry, creator-registry, content-pipeline, media-store, the studio and the feed locally until Ctrl-C.",
        discussion: """
            Ports: verse-registry BASE, creator-registry BASE+1, content-pipeline BASE+2, media-store BASE+3 \
            (files in DATA_DIR/media); instance i of \
            each (with --instances) adds 10*i; each serves Prometheus metrics on its port + 2000 \
            (http://127.0.0.1:9101/metrics for the defaults); the studio (luma-studio) BASE+79 \
            (http://127.0.0.1:7180); the feed (luma-feed) BASE+80 (http://127.0.0.1:7181/feed/en/today). With --base-port 0 every port is picked free and printed. \
            Every instance of a service shares its database file, and each service is given every \
            instance of its peers, so calls balance across them. Logs: DATA_DIR/logs/.
            Environment: LUMA_DATA_DIR for --data-dir.
            """)

    @Option(help: "Where the databases and logs live (env LUMA_DATA_DIR).")
    var dataDir = ProcessInfo.processInfo.environment["LUMA_DATA_DIR"] ?? LumaDefaults.dataDirectory

    @Option(help: "Instances of each service.")
    var instances = 1

    @Option(help: "First port (verse-registry); 0 picks free ports.")
    var basePort = LumaDefaults.basePort

    @Flag(help: "Do not add demo users and creators on first start.")
    var noSeed = false

    @Flag(help: "Render AI creators' videos with luma-fake-heygen, a local stand-in for HeyGen's API (docs/rendering.md).")
    var fakeAvatars = false

    @Flag(help: "Run every connection over mutual TLS, with a CA and certificates made in DATA_DIR/tls on first use (lumactl certs init).")
    var tls = false

    static let services = ["verse-registry", "creator-registry", "content-pipeline", "media-store"]

    func validate() throws {
        guard (1...9).contains(instances) else { throw ValidationError("--instances must be 1-9") }
        guard basePort == 0 || (1024...65000).contains(basePort) else { throw ValidationError("--base-port must be 0 or 1024-65000") }
    }

    func run() async throws {
        let directory = URL(fileURLWithPath: dataDir).standardizedFileURL.path
        // One stack per data directory: a second one would share its databases and logs.
        let lock: DirectoryLock
        do {
            lock = try DirectoryLock(directory: directory)
        } catch {
            Output.error("error: \(error)")
            throw ExitCode.failure
        }
        defer { withExtendedLifetime(lock) {} }
        try FileManager.default.createDirectory(atPath: directory + "/logs", withIntermediateDirectories: true)
        // The key the services share; lumactl finds it here to mint its admin token.
        let keyPath = try AuthKeyFile.create(at: directory + "/auth.key")
        let ports = try await assignPorts()
        // Metrics next to each service: its port + 2000 (9101-9103 for the defaults).
        var metricsPorts: [Int: Int] = [:]
        for port in Self.services.flatMap({ ports[$0]! }) {
            metricsPorts[port] = basePort == 0 ? try await freePort() : port + 2000
        }
        // Refuse ports another process listens on, before starting anything: otherwise its
        // health answers would be taken for ours.
        if let busy = (Self.services.flatMap({ ports[$0]! }) + metricsPorts.values.sorted()).first(where: { !Self.isFree($0) }) {
            Output.error("error: port \(busy) on 127.0.0.1 is in use (another stack?); stop it, or pass --base-port (0 picks free ports)")
            throw ExitCode.failure
        }
        // The studio: BASE + 79 (7180 for the defaults).
        let studioPort = basePort == 0 ? try await freePort() : basePort + 79
        guard Self.isFree(studioPort) else {
            Output.error("error: port \(studioPort) on 127.0.0.1 is in use (another stack?); stop it, or pass --base-port (0 picks free ports)")
            throw ExitCode.failure
        }
        // The feed: BASE + 80 (7181 for the defaults).
        let feedPort = basePort == 0 ? try await freePort() : basePort + 80
        guard Self.isFree(feedPort) else {
            Output.error("error: port \(feedPort) on 127.0.0.1 is in use (another stack?); stop it, or pass --base-port (0 picks free ports)")
            throw ExitCode.failure
        }
        // Mutual TLS: a CA and a certificate per process, made once per data directory.
        let certificates = LocalCertificates(directory: directory + "/tls")
        if tls && !FileManager.default.fileExists(atPath: certificates.ca()) {
            do {
                try certificates.write()
            } catch {
                Output.error("error: cannot make TLS certificates in \(certificates.directory): \(error)")
                throw ExitCode.failure
            }
        }
        /// A server's TLS flags (its certificate, and the CA its callers' must come from).
        func serverTLS(_ name: String) -> [String] {
            tls ? ["--tls-cert", certificates.certificate(name), "--tls-key", certificates.key(name), "--tls-client-ca", certificates.ca()] : []
        }
        /// A client's (the CA that verifies servers, and its own certificate).
        func clientTLS(_ name: String) -> [String] {
            tls ? ["--tls-ca", certificates.ca(), "--tls-cert", certificates.certificate(name), "--tls-key", certificates.key(name)] : []
        }
        let ownTLS = tls ? try RPCTLSContext.client(ca: certificates.ca(), certificate: certificates.certificate("lumactl"),
                                                    key: certificates.key("lumactl")) : nil
        let addresses = ports.mapValues { $0.map { "127.0.0.1:\($0)" } }
        let peers = addresses.mapValues { $0.joined(separator: ",") }

        var children: [Child] = []
        // AI creators: a local HeyGen stand-in, its key in content-pipeline's environment.
        var avatarArguments: [String] = []
        if fakeAvatars {
            let key = "luma-fake-heygen-key"
            let fake = try await ServiceProcess("luma-fake-heygen", ["--api-key", key], output: .file("\(directory)/logs/luma-fake-heygen.log"),
                                                exitWithParent: true)
            children.append(Child(name: "luma-fake-heygen", port: fake.endpoint.port, metricsPort: 0, log: "\(directory)/logs/luma-fake-heygen.log",
                                  process: fake))
            setenv("LUMA_HEYGEN_API_KEY", key, 1)
            avatarArguments = ["--avatar-url", "http://\(fake.endpoint)", "--avatar-voices", "en=fake-voice-en,es=fake-voice-es"]
        }
        for service in Self.services {
            for (index, port) in ports[service]!.enumerated() {
                let name = instances == 1 ? service : "\(service)#\(index + 1)"
                var arguments = ["--listen", "127.0.0.1:\(port)", "--db", "\(directory)/\(service).sqlite", "--auth-key", keyPath,
                                 "--metrics-listen", "127.0.0.1:\(metricsPorts[port]!)"] + serverTLS(service)
                switch service {
                case "verse-registry", "creator-registry": arguments += ["--content", peers["content-pipeline"]!]
                case "media-store": arguments += ["--content", peers["content-pipeline"]!, "--media-dir", "\(directory)/media"]
                default: arguments += ["--verses", peers["verse-registry"]!, "--creators", peers["creator-registry"]!, "--media", peers["media-store"]!]
                    + avatarArguments
                }
                children.append(Child(name: name, port: port, metricsPort: metricsPorts[port]!, log: "\(directory)/logs/\(name).log",
                                      process: try await ServiceProcess(service, arguments, listen: nil, output: .file("\(directory)/logs/\(name).log"),
                                                                        exitWithParent: true)))
            }
        }
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)

        do {
            try await waitUntilServing(children, ports: ports, tls: ownTLS)
        } catch {
            Output.error("error: \(error)")
            for child in children { child.terminate() }
            throw ExitCode.failure
        }
        var adminClient = RPCClient.Configuration()
        let signer = try TokenSigner(key: try AuthKeyFile.read(keyPath))
        adminClient.interceptors = [AuthClientInterceptor(signer: signer, principal: Principal(subject: "lumactl-up", role: .admin))]
        let creators = Luma_Creators_V1_CreatorRegistryClient(OpenClients.shared.track(
            RPCClient(endpoints: try RPCEndpoint.parseList(peers["creator-registry"]!), configuration: adminClient, tls: ownTLS)))
        if !noSeed {
            let seeded = try await DemoData.seedIfEmpty(creators)
            Output.say(seeded ? "seeded demo users and creators" : "data dir has data; not seeding")
        }
        let studio = Child(name: "luma-studio", port: studioPort, metricsPort: 0, log: "\(directory)/logs/luma-studio.log",
                           process: try await ServiceProcess("luma-studio", [
                               "--listen", "127.0.0.1:\(studioPort)", "--auth-key", keyPath, "--verses", peers["verse-registry"]!,
                               "--creators", peers["creator-registry"]!, "--content", peers["content-pipeline"]!, "--media", peers["media-store"]!,
                           ] + clientTLS("luma-studio"), listen: nil, output: .file("\(directory)/logs/luma-studio.log"), exitWithParent: true))
        children.append(studio)
        let feed = Child(name: "luma-feed", port: feedPort, metricsPort: 0, log: "\(directory)/logs/luma-feed.log",
                         process: try await ServiceProcess("luma-feed", [
                             "--listen", "127.0.0.1:\(feedPort)", "--auth-key", keyPath, "--content", peers["content-pipeline"]!,
                             "--media", peers["media-store"]!, "--public-url", "http://127.0.0.1:\(feedPort)",
                         ] + clientTLS("luma-feed"), listen: nil, output: .file("\(directory)/logs/luma-feed.log"), exitWithParent: true))
        children.append(feed)
        do {
            try await waitUntilListening(studio)
            try await waitUntilListening(feed)
        } catch {
            Output.error("error: \(error)")
            for child in children { child.terminate() }
            throw ExitCode.failure
        }
        for child in children where ![studio.name, feed.name, "luma-fake-heygen"].contains(child.name) {
            Output.say("\(child.name) listening on 127.0.0.1:\(child.port) (pid \(child.pid)); metrics http://127.0.0.1:\(child.metricsPort)/metrics")
        }
        if let fake = children.first(where: { $0.name == "luma-fake-heygen" }) {
            Output.say("AI creators render with luma-fake-heygen (a stand-in for HeyGen) on 127.0.0.1:\(fake.port) (pid \(fake.pid))")
        }
        Output.say("studio: http://127.0.0.1:\(studioPort) (pid \(studio.pid))")
        Output.say("feed: http://127.0.0.1:\(feedPort)/feed/en/today (pid \(feed.pid))")
        if !noSeed {
            Output.say("  sign in as \(DemoData.adminEmail) / \(DemoData.adminPassword) (admin), or \(DemoData.creatorEmail) / \(DemoData.creatorPassword) (creator)")
        }
        Output.say("data in \(directory); logs in \(directory)/logs")
        if basePort != LumaDefaults.basePort || instances > 1 || dataDir != LumaDefaults.dataDirectory {
            Output.say("export LUMA_VERSES=\(peers["verse-registry"]!) LUMA_CREATORS=\(peers["creator-registry"]!) LUMA_CONTENT=\(peers["content-pipeline"]!) LUMA_MEDIA=\(peers["media-store"]!) LUMA_STUDIO=http://127.0.0.1:\(studioPort) LUMA_FEED=http://127.0.0.1:\(feedPort) LUMA_DATA_DIR=\(directory)")
        }
        if tls {
            Output.say("mutual TLS: certificates in \(certificates.directory); lumactl in this shell needs")
            Output.say("export LUMA_TLS_CA=\(certificates.ca()) LUMA_TLS_CERT=\(certificates.certificate("lumactl")) LUMA_TLS_KEY=\(certificates.key("lumactl"))")
        }
        Output.say("ready; Ctrl-C stops everything")

        // Report children that exit on their own; stop everything on a signal.
        // `children` is captured as it is now (a copy): the task must not share the variable.
        let watcher = Task { [children] in
            var reported = Set<String>()
            while !Task.isCancelled {
                for child in children where !child.isRunning && !reported.contains(child.name) {
                    reported.insert(child.name)
                    Output.error("\(child.name) exited with status \(child.status); see \(child.log)")
                }
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
        for await _ in signals { break }
        watcher.cancel()
        // Stopped before the children are: the ones this stops are not reported as exited.
        await watcher.value
        Output.say("stopping")
        for child in children { child.terminate() }
        for child in children { await child.wait(upTo: .seconds(15)) }
        Output.say("stopped")
    }

    func assignPorts() async throws -> [String: [Int]] {
        var ports: [String: [Int]] = [:]
        for (offset, service) in Self.services.enumerated() {
            ports[service] = try await (0..<instances).asyncMap { index in
                basePort == 0 ? try await freePort() : basePort + offset + 10 * index
            }
        }
        return ports
    }

    func waitUntilServing(_ children: [Child], ports: [String: [Int]], tls: RPCTLSContext?) async throws {
        let deadline = ContinuousClock.now + .seconds(180)
        for service in Self.services {
            for port in ports[service]! {
                let health = Luma_Rpc_V1_HealthClient(OpenClients.shared.track(RPCClient(endpoints: [RPCEndpoint(host: "127.0.0.1", port: port)], tls: tls)))
                while (try? await health.check(.init(), options: .init(timeout: .seconds(2))).status) != .serving {
                    if let dead = children.first(where: { !$0.isRunning }) {
                        throw RPCError.unavailable("\(dead.name) exited with status \(dead.status) while starting; see \(dead.log)")
                    }
                    guard ContinuousClock.now < deadline else { throw RPCError.unavailable("\(service) on port \(port) did not become SERVING") }
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
        }
    }

    /// Waits (up to 60 s) until an HTTP child (the studio, the feed) accepts connections on its port.
    func waitUntilListening(_ child: Child) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while Self.isFree(child.port) {
            guard child.isRunning else { throw RPCError.unavailable("\(child.name) exited with status \(child.status); see \(child.log)") }
            guard ContinuousClock.now < deadline else { throw RPCError.unavailable("\(child.name) did not listen on port \(child.port); see \(child.log)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Whether nothing listens on the port: binding it succeeds.
    static func isFree(_ port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { Glibc.close(socket) }
        var reuse: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    func freePort() async throws -> Int {
        try await reservePort()
    }
}

/// One service instance of the stack: its process (run by the shared supervisor) and where it
/// listens and logs.
struct Child: Sendable {
    let name: String
    let port: Int
    let metricsPort: Int
    let log: String
    let process: ServiceProcess

    var isRunning: Bool { process.isRunning }
    var pid: Int32 { process.pid }
    var status: Int32 { process.status }
    func terminate() { process.terminate() }
    func wait(upTo limit: Duration) async { await process.wait(upTo: limit) }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
