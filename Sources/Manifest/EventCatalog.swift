import Foundation

/// Every event schema the host knows, by topic.
public struct EventCatalog: Sendable {
    /// Schemas by topic.
    public var schemas: [String: EventSchema]

    /// An empty catalog.
    public init(schemas: [String: EventSchema] = [:]) { self.schemas = schemas }

    /// Reads every `*.json` file in `directory`; a missing directory gives an empty catalog.
    /// A file whose name is not `<topic>.json` for its own topic is refused.
    public static func load(directory: URL) throws -> EventCatalog {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return EventCatalog() }
        var schemas: [String: EventSchema] = [:]
        for name in names.sorted() where name.hasSuffix(".json") {
            let schema = try EventSchema.load(from: directory.appendingPathComponent(name))
            guard name == schema.topic + ".json" else {
                throw ManifestError(file: schema.file, field: "topic", reason: "\"\(schema.topic)\" does not match the file name \(name)")
            }
            schemas[schema.topic] = schema
        }
        return EventCatalog(schemas: schemas)
    }

    /// The schema of `topic`, if declared.
    public subscript(topic: String) -> EventSchema? { schemas[topic] }
}
