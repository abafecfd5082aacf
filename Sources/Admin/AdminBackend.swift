import EOPConsole
import EOPLoader
import Foundation

/// What the admin API and the console need from the host; the host implements it.
public protocol AdminBackend: Sendable {
    /// Every plugin and product module, with state and reason.
    func plugins() -> [PluginRow]
    /// Activates a resolved (stopped) plugin.
    func activate(_ id: String) throws
    /// Deactivates a plugin; refused while active modules depend on it.
    func deactivate(_ id: String) throws
    /// The license in force.
    func license() -> LicenseSummary
    /// Dead letters, oldest first.
    func deadLetters() throws -> [DeadLetterRow]
    /// Queues a dead letter's replay.
    func replay(_ id: UUID) throws
    /// Each plugin's settings as forms (secrets never carry their value).
    func settingsForms() -> [ModuleSettingsForm]
    /// Every staff permission the installed plugins declare, with its description.
    func permissions() -> [String: String]
    /// Validates and saves a plugin's setting values (an empty secret keeps the current one).
    /// Returns a note for the operator (e.g. when it applies).
    func updateSettings(_ pluginID: String, values: [String: String]) throws -> String
    /// Hot-swaps a plugin to the bundle or folder at `source`; `progress` hears each step.
    func swap(_ id: String, source: String, by: String, pauseDeadline: Duration, progress: @escaping @Sendable (SwapStep) -> Void) throws -> SwapRecord
    /// Swaps a plugin back to the version it ran before its last swap.
    func rollback(_ id: String, by: String, progress: @escaping @Sendable (SwapStep) -> Void) throws -> SwapRecord
    /// Swap records, newest last (every plugin's when `id` is nil).
    func swapHistory(_ id: String?) throws -> [SwapRecord]
    /// Notifications that failed after their retries, newest first.
    func failedNotifications() throws -> [NotificationFailureRow]
}

extension AdminBackend {
    /// None, for hosts without the notification module.
    public func failedNotifications() throws -> [NotificationFailureRow] { [] }
}
