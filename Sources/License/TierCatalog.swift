import Foundation

/// `Manifests/tiers.json`: core modules, always-active plugins and the tiers,
/// each tier including the one before it.
public struct TierCatalog: Sendable {
    /// A module id with its display name.
    public struct Module: Sendable, Hashable, Codable {
        /// Lowercase module id, e.g. `pagebuilder`.
        public let id: String
        /// Display name, e.g. `PageBuilder`.
        public let name: String
    }

    /// One tier.
    public struct Tier: Sendable, Codable {
        /// Lowercase tier id, e.g. `starter`.
        public let id: String
        /// Display name, e.g. `Starter`.
        public let name: String
        /// Tier this one includes, or nil for the first.
        public let includes: String?
        /// Modules this tier adds.
        public let adds: [Module]
        /// Rights this tier adds, e.g. `white_label`.
        public let rights: [String]
        /// Total module count, checked when loading.
        public let total: Int
    }

    private struct File: Codable {
        let format: Int
        let core: [Module]
        let alwaysActive: [Module]
        let tiers: [Tier]
        enum CodingKeys: String, CodingKey {
            case format, core, tiers
            case alwaysActive = "always_active"
        }
    }

    /// Core host modules (entitled in every tier).
    public let core: [Module]
    /// Always-active plugins (entitled in every tier).
    public let alwaysActive: [Module]
    /// Tiers, lowest first.
    public let tiers: [Tier]

    /// Parses tiers.json and checks each tier's `total`.
    /// - Throws: `TierCatalogError` naming the problem.
    public init(data: Data) throws {
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: data) } catch {
            throw TierCatalogError(reason: "not a tiers.json file (\(error))")
        }
        guard file.format == 1 else { throw TierCatalogError(reason: "format \(file.format) is not 1") }
        core = file.core
        alwaysActive = file.alwaysActive
        tiers = file.tiers
        for tier in tiers {
            let count = try modules(inTier: tier.id).count
            guard count == tier.total else {
                throw TierCatalogError(reason: "tier '\(tier.id)' lists \(count) modules but declares total \(tier.total)")
            }
        }
    }

    /// Reads tiers.json at `url`.
    public init(contentsOf url: URL) throws {
        try self.init(data: Data(contentsOf: url))
    }

    /// The tier with this id (case-insensitive).
    public func tier(_ id: String) -> Tier? { tiers.first { $0.id == id.lowercased() } }

    /// Every module entitled by tier `id`, core and always-active included.
    public func modules(inTier id: String) throws -> [Module] {
        guard var tier = tier(id) else { throw TierCatalogError(reason: "unknown tier '\(id)'") }
        var chain = [tier]
        while let parent = tier.includes {
            guard let next = self.tier(parent), !chain.contains(where: { $0.id == next.id }) else {
                throw TierCatalogError(reason: "tier '\(tier.id)' includes unknown or cyclic tier '\(parent)'")
            }
            chain.append(next)
            tier = next
        }
        return core + alwaysActive + chain.reversed().flatMap(\.adds)
    }

    /// Rights of tier `id`, inherited ones included.
    public func rights(inTier id: String) -> [String] {
        var result: [String] = []
        var current = tier(id)
        var seen = Set<String>()
        while let t = current, seen.insert(t.id).inserted {
            result += t.rights
            current = t.includes.flatMap { tier($0) }
        }
        return result
    }

    /// Every first-party module in the catalog, in tier order.
    public var allModules: [Module] { core + alwaysActive + tiers.flatMap(\.adds) }

    /// The lowest tier whose module list contains `moduleID`, if any.
    public func lowestTier(containing moduleID: String) -> Tier? {
        tiers.first { (try? modules(inTier: $0.id).contains { $0.id == moduleID }) == true }
    }

    /// True for core and always-active modules.
    public func isAlwaysEntitled(_ moduleID: String) -> Bool {
        (core + alwaysActive).contains { $0.id == moduleID }
    }

    /// True for core host modules (PlatformKit, License, Notification).
    public func isCore(_ moduleID: String) -> Bool { core.contains { $0.id == moduleID } }

    /// Display name of a module, or its id when unknown.
    public func displayName(_ moduleID: String) -> String {
        allModules.first { $0.id == moduleID }?.name ?? moduleID
    }
}

/// A tiers.json problem.
public struct TierCatalogError: Error, Sendable, CustomStringConvertible {
    /// Why.
    public let reason: String
    /// "tiers.json: <reason>".
    public var description: String { "tiers.json: \(reason)" }
}
