/// License's answer for one module.
public enum ModuleDecision: Sendable, Equatable, CustomStringConvertible {
    /// May activate.
    case entitled
    /// Must not activate; `reason` is shown to the operator (`eop plugins list`, `/admin`).
    case refused(reason: String)

    /// True for `.entitled`.
    public var isEntitled: Bool { self == .entitled }

    /// The refusal reason, nil when entitled.
    public var reason: String? {
        if case .refused(let reason) = self { return reason }
        return nil
    }

    /// "entitled" or "refused: <reason>".
    public var description: String {
        switch self {
        case .entitled: "entitled"
        case .refused(let reason): "refused: \(reason)"
        }
    }
}
