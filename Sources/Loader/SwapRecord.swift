import Foundation

/// How a swap runs and who asked for it.
public struct SwapOptions: Sendable {
    /// How long the pause step waits for the handler, route or query in flight before
    /// the swap is rolled back.
    public var pauseDeadline: Duration
    /// Who asked (a staff email, "operator (cli)"), for the history.
    public var by: String

    /// Options with the defaults: a 5 s deadline.
    public init(pauseDeadline: Duration = .seconds(5), by: String = "operator") {
        self.pauseDeadline = pauseDeadline
        self.by = by
    }
}

/// One step of a swap as the operator sees it.
public struct SwapStep: Sendable, Codable, Equatable {
    /// verify, load, init, pause, export, import, migrate, activate, switch, resume, retire.
    public var name: String
    /// Whether it succeeded.
    public var ok: Bool
    /// How long it took.
    public var milliseconds: Double
    /// What it did, or why it failed.
    public var detail: String

    public init(name: String, ok: Bool, milliseconds: Double, detail: String) {
        self.name = name
        self.ok = ok
        self.milliseconds = milliseconds
        self.detail = detail
    }
}

/// One swap in a plugin's history.
public struct SwapRecord: Sendable, Codable, Equatable {
    public var plugin: String
    public var from: String
    public var to: String
    public var by: String
    public var at: Date
    /// How long deliveries, routes and queries were held (nil when it never paused).
    public var pauseMilliseconds: Double?
    public var totalMilliseconds: Double
    /// "swapped", "rolled back" (the old instance was paused and resumed) or "refused" (it was never touched).
    public var outcome: String
    public var failedStep: String?
    public var reason: String?
    public var steps: [SwapStep]

    public init(plugin: String, from: String, to: String, by: String, at: Date, pauseMilliseconds: Double?, totalMilliseconds: Double,
                outcome: String, failedStep: String?, reason: String?, steps: [SwapStep]) {
        self.plugin = plugin
        self.from = from
        self.to = to
        self.by = by
        self.at = at
        self.pauseMilliseconds = pauseMilliseconds
        self.totalMilliseconds = totalMilliseconds
        self.outcome = outcome
        self.failedStep = failedStep
        self.reason = reason
        self.steps = steps
    }
}

/// A swap that did not happen: the step that failed and why. The old instance serves on.
public struct SwapError: Error, Sendable, CustomStringConvertible {
    public let step: String
    public let reason: String
    /// The history entry written for it (nil when refused before it began).
    public let record: SwapRecord?

    public init(step: String, reason: String, record: SwapRecord?) {
        self.step = step
        self.reason = reason
        self.record = record
    }

    public var description: String { "swap failed at \(step): \(reason)" + (record?.outcome == "rolled back" ? "; rolled back, the old version serves on" : "") }
}

/// Keeps swap records beyond the host process (the event log's database does).
public protocol SwapHistoryStore: Sendable {
    /// Stores one record; failures are logged by the store, never thrown into a swap.
    func record(_ record: SwapRecord)
    /// A plugin's records, newest last (every plugin's when nil).
    func history(of pluginID: String?) throws -> [SwapRecord]
}
