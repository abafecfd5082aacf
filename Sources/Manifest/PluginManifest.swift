import Foundation

/// A plugin's manifest (`Manifests/<id>.json`, packed beside its library): who it is,
/// what it may publish, what it receives and which symbols handle it. The manifest is
/// the permission: the host delivers and accepts nothing it does not list.
public struct PluginManifest: Sendable, Equatable {
    /// A dependency on another plugin and the versions it accepts.
    public struct Dependency: Sendable, Equatable {
        /// The plugin depended on.
        public var id: String
        /// Accepted versions of it.
        public var versions: VersionRange
    }

    /// A subscription: a fact topic and the exported symbol that handles it.
    public struct Subscription: Sendable, Equatable {
        /// The fact topic.
        public var topic: String
        /// The exported C symbol, resolved with dlsym at load.
        public var handler: String
        /// Whether the handler may run concurrently (still in order per source).
        public var parallel: Bool
        /// A typed C signature bound to payload fields; nil for the generic handler shape.
        public var signature: TypedSignature?
    }

    /// A command or query topic this plugin answers, and its handler symbol.
    public struct Answer: Sendable, Equatable {
        /// The command or query topic.
        public var topic: String
        /// The exported C symbol.
        public var handler: String
    }

    /// A hook topic this plugin takes part in: its handler runs, in `order`, every time
    /// some plugin invokes the hook (synchronous, may veto).
    public struct Hook: Sendable, Equatable {
        /// The hook topic.
        public var topic: String
        /// The exported C symbol (the query handler's shape).
        public var handler: String
        /// Lower runs first; ties run in plugin-id order. Default 100.
        public var order: Int
    }

    /// The plugin id, e.g. `catalog` or `acme.loyalty`.
    public var id: String
    /// A human name for lists.
    public var name: String
    /// The plugin's version.
    public var version: SemanticVersion
    /// The ABI major.minor it was built against.
    public var abi: (major: UInt32, minor: UInt32)
    /// The shared library file name, e.g. `libCatalog.so`.
    public var library: String
    /// The language runtime of the image: Swift images are never unloaded.
    public var runtime: String
    /// Plugins this one needs active first.
    public var dependencies: [Dependency]
    /// Fact topics it may publish.
    public var publishes: [String]
    /// Fact topics it receives.
    public var subscribes: [Subscription]
    /// Command and query topics it answers.
    public var answers: [Answer]
    /// Command, query and hook topics it may send.
    public var requests: [String]
    /// Hook topics it takes part in.
    public var hooks: [Hook] = []
    /// The release date (`YYYY-MM-DD`), checked against the license's `updates_until`.
    public var releaseDate: String?
    /// The release channel: stable, rc or beta.
    public var channel: String?
    /// The publisher namespace a signed bundle vouched for; nil for a local manifest.
    public var publisher: String?
    /// SQL migration files, relative to the manifest's folder (empty: `migrations/*.sql`).
    public var migrations: [String]
    /// HTTP routes it answers.
    public var routes: [Route]
    /// Staff permissions it defines (`<plugin>.<noun>.<verb>`, e.g. `catalog.product.write`), with what each allows.
    public var permissions: [String: String]
    /// The settings schema as JSON text (validated by PlatformKit), or nil.
    public var settingsSchemaJSON: Data?
    /// The file it was read from.
    public var file: String
    /// The folder of that file (libraries are looked up here first).
    public var directory: URL
    /// The plugin's Markdown docs folder, relative to the manifest's folder (`docs`;
    /// nil: `Docs/` beside the manifest, as in a bundle).
    public var docs: String? = nil

    /// The docs folder as a URL: `docs` resolved against the manifest's folder, else `Docs/` beside it.
    public var docsDirectory: URL { directory.appendingPathComponent(docs ?? "Docs").standardizedFileURL }

    public static func == (a: Self, b: Self) -> Bool {
        a.id == b.id && a.version == b.version && a.library == b.library && a.file == b.file
    }

    /// Reads and validates a manifest; every error names the file and the field.
    public static func load(from url: URL) throws -> PluginManifest {
        let file = url.path
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ManifestError(file: file, field: "", reason: "cannot be read (\(error.localizedDescription))")
        }
        return try parse(data, file: file, directory: url.deletingLastPathComponent())
    }

    /// Parses manifest JSON.
    public static func parse(_ data: Data, file: String, directory: URL) throws -> PluginManifest {
        let json = try JSONFields.parse(data, file: file)
        try json.rejectUnknownKeys([
            "id", "name", "version", "abi", "library", "runtime", "dependencies", "publishes", "subscribes",
            "answers", "hooks", "requests", "settings", "description", "release_date", "channel", "migrations", "routes",
            "permissions", "docs", "publisher",
        ])
        let id = try json.string("id")
        guard PluginID.isValid(id) else {
            throw json.error("id", "\"\(id)\" is not a plugin id (lower-case a-z, 0-9, '_' or '-', optionally namespaced with '.')")
        }
        // The host answers and publishes under these names (platform.plugins.list, platform.staff.first_owner,
        // operator events, notification facts): a plugin taking one would take over the host's topics.
        guard !PluginID.reserved.contains(id) else {
            throw json.error("id", "\"\(id)\" is reserved for the host (\(PluginID.reserved.sorted().joined(separator: ", ")))")
        }
        let versionText = try json.string("version")
        guard let version = SemanticVersion(versionText) else {
            throw json.error("version", "\"\(versionText)\" is not a semantic version (MAJOR.MINOR.PATCH)")
        }
        let abiText = try json.string("abi")
        let abiParts = abiText.split(separator: ".").map { UInt32($0) }
        guard (2...3).contains(abiParts.count), let major = abiParts[0], let minor = abiParts[1] else {
            throw json.error("abi", "\"\(abiText)\" is not an ABI version (MAJOR.MINOR)")
        }
        let library = try json.string("library")
        guard !library.contains("/") else { throw json.error("library", "must be a file name, not a path") }
        let runtime = try json.optionalString("runtime") ?? "swift"
        guard ["swift", "c", "rust", "zig"].contains(runtime) else {
            throw json.error("runtime", "\"\(runtime)\" is not one of swift, c, rust, zig")
        }

        let dependencies = try json.objectArray("dependencies").map { dep -> Dependency in
            try dep.rejectUnknownKeys(["id", "version"])
            let depID = try dep.string("id")
            let rangeText = try dep.optionalString("version") ?? "*"
            guard let range = VersionRange(rangeText) else {
                throw dep.error("version", "\"\(rangeText)\" is not a version range (e.g. ^1.2, >=1.0.0 <2.0.0)")
            }
            return Dependency(id: depID, versions: range)
        }

        let publishes = try json.stringArray("publishes")
        for (i, topic) in publishes.enumerated() where !Topic.isValid(topic) {
            throw json.error("publishes[\(i)]", "\"\(topic)\" is not a topic: \(Topic.rule)")
        }
        let requests = try json.stringArray("requests")
        for (i, topic) in requests.enumerated() where !Topic.isValid(topic) {
            throw json.error("requests[\(i)]", "\"\(topic)\" is not a topic: \(Topic.rule)")
        }

        let subscribes = try json.objectArray("subscribes").map { sub -> Subscription in
            try sub.rejectUnknownKeys(["topic", "handler", "parallel", "signature"])
            let topic = try sub.string("topic")
            guard Topic.isValid(topic) else { throw sub.error("topic", "\"\(topic)\" is not a topic: \(Topic.rule)") }
            let handler = try sub.string("handler")
            guard CSymbol.isValid(handler) else { throw sub.error("handler", "\"\(handler)\" is not a C symbol name") }
            let signature = try sub.nested("signature").map(TypedSignature.parse)
            return Subscription(topic: topic, handler: handler, parallel: try sub.bool("parallel", default: false), signature: signature)
        }
        let answers = try json.objectArray("answers").map { ans -> Answer in
            try ans.rejectUnknownKeys(["topic", "handler"])
            let topic = try ans.string("topic")
            guard Topic.isValid(topic) else { throw ans.error("topic", "\"\(topic)\" is not a topic: \(Topic.rule)") }
            let handler = try ans.string("handler")
            guard CSymbol.isValid(handler) else { throw ans.error("handler", "\"\(handler)\" is not a C symbol name") }
            return Answer(topic: topic, handler: handler)
        }
        let hooks = try json.objectArray("hooks").map { hook -> Hook in
            try hook.rejectUnknownKeys(["topic", "handler", "order"])
            let topic = try hook.string("topic")
            guard Topic.isValid(topic) else { throw hook.error("topic", "\"\(topic)\" is not a topic: \(Topic.rule)") }
            let handler = try hook.string("handler")
            guard CSymbol.isValid(handler) else { throw hook.error("handler", "\"\(handler)\" is not a C symbol name") }
            let order = try hook.int("order") ?? 100
            guard (0...10_000).contains(order) else { throw hook.error("order", "\(order) is outside 0…10000") }
            return Hook(topic: topic, handler: handler, order: order)
        }
        var seen = Set<String>()
        for (i, hook) in hooks.enumerated() where !seen.insert(hook.topic).inserted {
            throw json.error("hooks[\(i)].topic", "\"\(hook.topic)\" is declared twice")
        }
        seen = []
        for (i, sub) in subscribes.enumerated() where !seen.insert(sub.topic).inserted {
            throw json.error("subscribes[\(i)].topic", "\"\(sub.topic)\" is subscribed twice")
        }

        let routes = try json.objectArray("routes").map { try Route.parse($0, pluginID: id) }
        var routeKeys = Set<String>()
        for (i, route) in routes.enumerated() where !routeKeys.insert("\(route.method) \(route.path)").inserted {
            throw json.error("routes[\(i)]", "\(route.method) \(route.path) is declared twice")
        }
        var permissions: [String: String] = [:]
        if let declared = try json.nested("permissions") {
            for name in declared.object.keys.sorted() {
                let parts = name.split(separator: ".", omittingEmptySubsequences: false)
                guard parts.count >= 2, parts[0] == Substring(id), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" || $0 == "-" } }) else {
                    throw declared.error(name, "a permission is named <plugin id>.<noun>.<verb> in lower case, starting with '\(id).'")
                }
                guard let text = declared.object[name] as? String else { throw declared.error(name, "must be a description (a string)") }
                permissions[name] = text
            }
        }
        for (i, route) in routes.enumerated() {
            if let permission = route.permission, permissions[permission] == nil {
                throw json.error("routes[\(i)].permission", "\"\(permission)\" is not declared under \"permissions\"")
            }
        }
        let releaseDate = try json.optionalString("release_date")
        if let releaseDate, !isCalendarDay(releaseDate) {
            throw json.error("release_date", "\"\(releaseDate)\" is not a date (YYYY-MM-DD)")
        }
        let channel = try json.optionalString("channel")
        if let channel, !["stable", "rc", "beta"].contains(channel) {
            throw json.error("channel", "\"\(channel)\" is not one of stable, rc, beta")
        }
        let docs = try json.optionalString("docs")
        if let docs, docs.isEmpty || docs.hasPrefix("/") {
            throw json.error("docs", "\"\(docs)\" must be a folder relative to the manifest's folder")
        }
        var settings: Data?
        if json.has("settings") {
            guard let object = json.object["settings"] as? [String: Any] else { throw json.error("settings", "must be an object") }
            settings = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        }

        return PluginManifest(
            id: id, name: try json.optionalString("name") ?? id, version: version, abi: (major, minor),
            library: library, runtime: runtime, dependencies: dependencies, publishes: publishes,
            subscribes: subscribes, answers: answers, requests: requests, hooks: hooks, releaseDate: releaseDate, channel: channel,
            publisher: try json.optionalString("publisher"), migrations: try json.stringArray("migrations"), routes: routes, permissions: permissions, settingsSchemaJSON: settings,
            file: file, directory: directory, docs: docs
        )
    }
}

/// Whether `text` is a calendar day `YYYY-MM-DD`.
func isCalendarDay(_ text: String) -> Bool {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withFullDate]
    return text.count == 10 && formatter.date(from: text) != nil
}
