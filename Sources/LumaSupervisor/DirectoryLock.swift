import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a data directory for as long as this process runs (flock on
/// `<directory>/<name>`, released by the kernel when the process exits, even by SIGKILL), with
/// the holder's pid written in the file so that a refusal can name it.
public final class DirectoryLock: @unchecked Sendable {
    private let descriptor: Int32

    public enum Failure: Error, CustomStringConvertible {
        case held(directory: String, pid: String)
        case cannotOpen(path: String, reason: String)

        public var description: String {
            switch self {
            case .held(let directory, let pid):
                return "\(directory) is in use by another lumactl up\(pid.isEmpty ? "" : " (pid \(pid))"); "
                    + "stop it first, or use another --data-dir"
            case .cannotOpen(let path, let reason):
                return "cannot open \(path): \(reason)"
            }
        }
    }

    public init(directory: String, name: String = "lumactl-up.lock") throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + name
        let descriptor = Glibc.open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Failure.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            Glibc.close(descriptor)
            throw Failure.held(directory: directory, pid: holder)
        }
        ftruncate(descriptor, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { Glibc.write(descriptor, $0, strlen($0)) }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        Glibc.close(descriptor)
    }
}

/// For a service started by a supervisor (`LUMA_EXIT_WITH_PARENT=1`): exits gracefully (SIGTERM
/// to itself) when its parent goes away, even if the parent was killed with SIGKILL and could
/// not stop it. (Linux's PR_SET_PDEATHSIG is a variadic prctl, which Swift cannot call, so the
/// parent pid is watched instead.)
public enum ParentWatch {
    public static let environmentVariable = "LUMA_EXIT_WITH_PARENT"

    public static func startIfRequested() {
        guard ProcessInfo.processInfo.environment[environmentVariable] == "1" else { return }
        let parent = getppid()
        Thread.detachNewThread {
            while getppid() == parent { usleep(250_000) }
            kill(getpid(), SIGTERM)
        }
    }
}
