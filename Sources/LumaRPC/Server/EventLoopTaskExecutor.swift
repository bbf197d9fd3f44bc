import NIOCore

/// Runs Swift tasks on a NIO event loop, so a call's handler starts, and resumes after each
/// `await`, on the thread that owns its connection. That removes two thread hops per call
/// (into the global executor and back to the loop), which dominate loopback latency
/// (docs/benchmarks.md). Handlers must not block: blocking work (SQLite) goes through its own
/// queue (GRDB's async API), as it should anyway.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
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
