import LumaRPC
import Synchronization

/// Every RPC client a command opens, so that `Lumactl.execute` closes them when the command
/// ends, whether it succeeded or failed: the servers see a clean close (not a connection left
/// for their idle timeout to reap), and a command never outlives its connections' background
/// probes. One registry rather than a `close()` at each of the commands' fifty call sites.
final class OpenClients: Sendable {
    static let shared = OpenClients()

    private let clients = Mutex<[RPCClient]>([])

    /// `client`, remembered to be closed when the command ends.
    func track(_ client: RPCClient) -> RPCClient {
        clients.withLock { $0.append(client) }
        return client
    }

    /// How many clients are open (for tests).
    var count: Int { clients.withLock { $0.count } }

    func closeAll() async {
        let open = clients.withLock { clients in
            defer { clients.removeAll() }
            return clients
        }
        for client in open { await client.close() }
    }
}
