/// The values every console template sees; `page` holds the page's own values.
///
/// Rationale: mustache looks a missing or nil key up in the enclosing
/// objects, so nested view names never reuse an outer name (`flash`, `chrome`,
/// `csrfToken`, `title`) — a nil there must render nothing, not the outer value.
struct PageModel<Page> {
    /// The `<title>` text.
    let title: String
    /// The top bar, navigation and license banner; nil on the login page.
    let chrome: Chrome?
    /// The CSRF token every form posts as `csrf_token`.
    let csrfToken: String
    /// A one-off message from the last action.
    let flash: String?
    /// The page's own values.
    let page: Page
}

/// The top bar, banner and navigation of a signed-in page.
struct Chrome {
    let user: UserView
    let license: LicenseView
    let banner: BannerView?
    let nav: [NavItem]
}

/// The signed-in user in the top bar.
struct UserView {
    let name: String
    let email: String
    let initials: String
}

/// The license as the top bar and the license panel show it.
struct LicenseView {
    let licensee: String
    let tier: String
    let environment: String
    let expires: String
    let daysLeftText: String
    let expiryClass: String
    let licenseWarnings: [String]
    let hasLicenseWarnings: Bool
    let entitled: Int
    let refused: Int
}

/// The banner across the top of every signed-in page.
struct BannerView {
    let text: String
    /// `banner-dev` (amber) or `banner-unlicensed` (red).
    let kind: String
    let heading: String
}

/// One navigation link.
struct NavItem {
    let label: String
    let href: String
    let current: Bool
}

/// The dashboard's own values.
struct DashboardView {
    let counters: [Counter]
    let modules: [PluginView]
    let hasModules: Bool
    let swaps: [SwapRow]
    let hasSwaps: Bool
}

/// One hot swap in the dashboard's history table (newest first).
public struct SwapRow: Sendable {
    public var when: String
    public var plugin: String
    public var change: String
    public var by: String
    public var pause: String
    public var outcome: String
    public var outcomeClass: String
    public var reason: String?

    public init(when: String, plugin: String, change: String, by: String, pause: String, outcome: String, swapped: Bool, reason: String?) {
        self.when = when
        self.plugin = plugin
        self.change = change
        self.by = by
        self.pause = pause
        self.outcome = outcome
        self.outcomeClass = swapped ? "state-active" : "state-failed"
        self.reason = reason
    }
}

/// One summary counter on the dashboard.
struct Counter {
    let label: String
    let count: Int
    let detail: String
    let tone: String
    let link: String?
}

/// One module row on the dashboard.
struct PluginView {
    let id: String
    let name: String
    let version: String
    let state: String
    let stateClass: String
    let rowClass: String
    let reason: String?
    let moduleWarnings: [String]
    let mailbox: String
    let mailboxClass: String
    let canActivate: Bool
    let canDeactivate: Bool
    let hasNoActions: Bool
    let activatePath: String
    let deactivatePath: String
}

/// The dead-letters page's own values.
struct DeadLettersView {
    let letters: [DeadLetterView]
    let hasLetters: Bool
    let total: Int
    let waiting: Int
}

/// The failed-notifications page's own values.
struct NotificationFailuresView {
    let rows: [NotificationFailureRow]
    let hasRows: Bool
    let total: Int
}

/// One dead-letter row.
struct DeadLetterView {
    let id: String
    let subscriber: String
    let topic: String
    let failure: String
    let attempts: Int
    let when: String
    let replayed: Bool
    let replayPath: String
}

/// The settings page's own values.
struct SettingsView {
    let forms: [SettingsFormView]
    let hasForms: Bool
}

/// One module's settings form.
struct SettingsFormView {
    let pluginID: String
    let action: String
    let formError: String?
    let formIndex: Int
    let fields: [FieldView]
    let hasFields: Bool
}

/// One settings input; exactly one of the `is…` flags is true.
struct FieldView {
    let key: String
    let inputID: String
    let typeName: String
    let help: String?
    let helpID: String
    let isCheckbox: Bool
    let isSelect: Bool
    let isSecret: Bool
    let isInput: Bool
    let checked: Bool
    let options: [OptionView]
    let inputType: String
    let inputMode: String?
    let step: String?
    let pattern: String?
    let current: String
    let secretSet: Bool
}

/// One `<option>` of a select.
struct OptionView {
    let option: String
    let selected: Bool
}

/// The login page's own values.
struct LoginView {
    let loginError: String?
    let email: String
    let retryAfter: Int?
    let retryText: String?
}
