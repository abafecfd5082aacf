/// A manifest or event schema that cannot be used, with the file, the field and the reason.
public struct ManifestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file that was read.
    public var file: String
    /// The field's path inside the document, e.g. `subscribes[1].handler`; empty for the whole file.
    public var field: String
    /// Why the value is refused.
    public var reason: String

    /// Creates an error.
    public init(file: String, field: String, reason: String) {
        self.file = file
        self.field = field
        self.reason = reason
    }

    /// `Manifests/hello.json: field 'version': "1.x" is not a semantic version`.
    public var description: String {
        field.isEmpty ? "\(file): \(reason)" : "\(file): field '\(field)': \(reason)"
    }
}
