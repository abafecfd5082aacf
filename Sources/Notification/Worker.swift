import Foundation

/// One background thread of the module (feed or sender): runs `body` until stopped; the
/// body naps with `nap(_:)`, which `wake()` and `stop()` cut short.
final class Worker: @unchecked Sendable {
    private let name: String
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var stopped = false
    private var running = false
    private var woken = false

    init(name: String) { self.name = name }

    func start(_ body: @escaping @Sendable () -> Void) {
        condition.lock()
        running = true
        condition.unlock()
        let t = Thread { [self] in
            body()
            condition.lock()
            running = false
            condition.broadcast()
            condition.unlock()
        }
        t.name = name
        t.start()
    }

    /// Asks the body to end and waits up to `timeout` seconds for it.
    func stop(timeout: TimeInterval = 10) {
        condition.lock()
        stopped = true
        condition.broadcast()
        let deadline = Date().addingTimeInterval(timeout)
        while running, condition.wait(until: deadline) {}
        condition.unlock()
    }

    var isStopped: Bool {
        condition.lock(); defer { condition.unlock() }
        return stopped
    }

    func wake() {
        condition.lock()
        woken = true
        condition.broadcast()
        condition.unlock()
    }

    /// Sleeps up to `seconds`, less when woken or stopped.
    func nap(_ seconds: TimeInterval) {
        condition.lock()
        if !woken && !stopped { _ = condition.wait(until: Date().addingTimeInterval(seconds)) }
        woken = false
        condition.unlock()
    }
}
