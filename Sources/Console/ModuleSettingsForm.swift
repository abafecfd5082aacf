/// The settings form of one module, posted to `/admin/settings/{pluginID}`.
public struct ModuleSettingsForm: Sendable, Equatable {
    /// The module id; percent-encoded when it goes into the form's URL.
    public var pluginID: String
    /// The module's settings, in display order.
    public var fields: [SettingField]
    /// A validation error from the last save of this form, shown above its fields.
    public var error: String?

    /// Creates a settings form.
    public init(pluginID: String, fields: [SettingField], error: String? = nil) {
        self.pluginID = pluginID
        self.fields = fields
        self.error = error
    }
}
