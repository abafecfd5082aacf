import Foundation

/// Threads for work that blocks: a plugin's route or query handler that waits on another
/// plugin's answer, on SQL or on the network. A GCD concurrent queue runs at most about one
/// block per core on Linux, so handlers waiting on each other there starve the queue (a
/// page waiting for a query that waits for a free thread). This pool starts another thread
/// whenever the jobs outnumber its idle threads, up to `maxThreads`, and lets idle ones end
/// after a minute.
public final class BlockingPool: @unchecked Sendable {
    private let name: String
    private let maxThreads: Int
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var jobs: [@Sendable () -> Void] = []
    private var threads = 0
    private var idle = 0

    /// Threads are named `<name>.<n>`; Linux keeps a thread name only when it fits in 15
    /// bytes (else the thread keeps its creator's), so keep `name` short for `top -H` and gdb.
    public init(name: String, maxThreads: Int = 256) {
        self.name = name
        self.maxThreads = maxThreads
    }

    /// Runs `job` on one of the pool's threads; returns at once.
    public func run(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        if jobs.count > idle && threads < maxThreads {
            threads += 1
            let threadName = "\(name).\(threads)"
            let thread = Thread { [self] in
                // What top -H and gdb show. Foundation on Linux passes Thread.name to the OS only
                // when it wins a race with start(); the kernel's own file for it always works.
                try? String(threadName.utf8.prefix(15))?.write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
                work()
            }
            thread.name = threadName
            thread.start()
        } else {
            condition.signal()
        }
        condition.unlock()
    }

    private func work() {
        condition.lock()
        while true {
            while jobs.isEmpty {
                idle += 1
                let woken = condition.wait(until: Date().addingTimeInterval(60))
                idle -= 1
                if !woken && jobs.isEmpty {
                    threads -= 1
                    condition.unlock()
                    return
                }
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
            condition.lock()
        }
    }
}
