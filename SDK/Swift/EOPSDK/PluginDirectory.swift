import Foundation

/// The host's answer to `platform.plugins.list`: every plugin it knows, its state, the
/// license's answer, its docs folder and routes, and the license's tier and expiry.
/// A plugin asks with `HostAPI.pluginDirectory()`; `platform.plugins.list` must be
/// under `requests` in its manifest.
public struct PluginDirectory: Decodable, Sendable {
    /// One plugin.
    public struct Entry: Decodable, Sendable {
        public let id: String
        public let name: String?
        public let version: String
        /// `active`, `resolved`, `refused`, `failed`, …
        public let state: String
        /// Why it is refused or failed.
        public let reason: String?
        /// Whether the license entitles it (nil when its manifest could not be read).
        public let licensed: Bool?
        /// The license's reason for refusing it.
        public let licenseRefusal: String?
        /// Its Markdown docs folder (absolute).
        public let docs: String?
        public let routes: [Route]?

        public var isActive: Bool { state == "active" }
        /// The name to show.
        public var title: String { name ?? id }

        enum CodingKeys: String, CodingKey {
            case id, name, version, state, reason, licensed, docs, routes
            case licenseRefusal = "license_refusal"
        }
    }

    /// A route as the manifest declares it.
    public struct Route: Decodable, Sendable {
        public let method: String
        public let path: String
        /// `none`, `customer` or `staff`.
        public let auth: String
        public let permission: String?
        public let summary: String?
    }

    public let plugins: [Entry]
    /// `tier`, `licensee`, `expires_at` (UTC), `development`; or `error` without a valid license.
    public let license: [String: String]

    /// One plugin by id.
    public func plugin(_ id: String) -> Entry? { plugins.first { $0.id == id } }
}

extension HostAPI {
    /// Asks the host which plugins it knows (`platform.plugins.list`). [any-thread] [may-block]
    public func pluginDirectory() throws -> PluginDirectory {
        let reply = try request("platform.plugins.list", json: "{}")
        return try JSONDecoder().decode(PluginDirectory.self, from: Data(reply.utf8))
    }
}
