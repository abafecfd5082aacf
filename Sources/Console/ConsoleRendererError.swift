/// Why the console renderer could not be built or could not render a page.
public enum ConsoleRendererError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The built-in templates are missing from the target's resource bundle (a packaging error).
    case builtInTemplatesMissing(path: String)
    /// The theme folder given to the renderer does not exist or is not a folder.
    case themeDirectoryUnreadable(path: String)
    /// A template file could not be read or parsed; `file` names it.
    case templateInvalid(file: String, message: String)
    /// A page needs a template no folder provides.
    case templateMissing(name: String)

    /// A sentence an operator can act on.
    public var description: String {
        switch self {
        case .builtInTemplatesMissing(let path):
            "console templates not found in the resource bundle (looked in \(path))"
        case .themeDirectoryUnreadable(let path):
            "console theme folder \(path) does not exist or is not a folder"
        case .templateInvalid(let file, let message):
            "console template \(file) is invalid: \(message)"
        case .templateMissing(let name):
            "console template \(name).mustache is missing"
        }
    }
}
