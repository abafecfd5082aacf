/// One module in the dashboard's table.
public struct PluginRow: Sendable, Equatable {
    /// The module id, e.g. "catalog"; percent-encoded when it goes into a URL.
    public var id: String
    /// The human name, e.g. "Catalog".
    public var name: String
    /// The version that is loaded (or would be).
    public var version: String
    /// One of: active, resolved, refused, failed, not installed, stopping, installed.
    /// Any other value is shown with a neutral badge.
    public var state: String
    /// Why the module is in its state (refusal or failure reason), shown in full, never truncated.
    public var reason: String?
    /// Non-fatal warnings about the module, shown under the reason.
    public var warnings: [String]
    /// Events waiting in the module's mailbox; nil when it has none (not loaded).
    public var mailboxDepth: Int?
    /// Whether the dashboard offers a Deactivate button.
    public var canDeactivate: Bool
    /// Whether the dashboard offers an Activate button.
    public var canActivate: Bool

    /// Creates a dashboard row.
    public init(
        id: String, name: String, version: String, state: String, reason: String? = nil,
        warnings: [String] = [], mailboxDepth: Int? = nil, canDeactivate: Bool = false, canActivate: Bool = false
    ) {
        self.id = id
        self.name = name
        self.version = version
        self.state = state
        self.reason = reason
        self.warnings = warnings
        self.mailboxDepth = mailboxDepth
        self.canDeactivate = canDeactivate
        self.canActivate = canActivate
    }
}
