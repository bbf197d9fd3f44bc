import LumaRPC
import NIOConcurrencyHelpers
import NIOCore

/// Runs Swift tasks on a NIO event loop, so a call's handler starts, and resumes after each
/// `await`, on the thread that owns its connection. That removes two thread hops per call
/// (into the global executor and back to the loop), which dominate loopback latency
/// (docs/benchmarks.md). Handlers must not block: blocking work (SQLite) goes through its own
/// queue (GRDB's async API), as it should anyway.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    private init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// One executor per event loop, kept for the life of the process: jobs hold it unowned
    /// (`UnownedTaskExecutor`), and a handler's tasks, or the child tasks they spawn, can
    /// outlive the connection that started them.
    private static let executors = NIOLockedValueBox<[ObjectIdentifier: EventLoopTaskExecutor]>([:])

    static func shared(for eventLoop: any EventLoop) -> EventLoopTaskExecutor {
        executors.withLockedValue { executors in
            let key = ObjectIdentifier(eventLoop)
            if let existing = executors[key] { return existing }
            let executor = EventLoopTaskExecutor(eventLoop)
            executors[key] = executor
            return executor
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute { job.runSynchronously(on: executor) }
    }

    func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }
}
