/// Whether the host runs in production or development mode.
public enum RuntimeMode: String, Sendable {
    /// `EOP_ENV=production`: development licenses and keys are refused.
    case production
    /// Anything else (the default): the local development license is trusted.
    case development

    /// Reads `EOP_ENV` from `environment`: `production` (any case) is production, anything else development.
    public static func from(environment: [String: String]) -> RuntimeMode {
        environment["EOP_ENV"]?.lowercased() == "production" ? .production : .development
    }
}
