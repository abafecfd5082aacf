import EOPAdmin
import EOPConsole
import EOPEventLog
import EOPLicense
import EOPLoader
import EOPPlatformKit
import Foundation

/// The admin API's and console's view of the platform.
struct PlatformAdmin: AdminBackend {
    let platform: Platform

    func plugins() -> [PluginRow] {
        let records = platform.plugins.plugins
        let active = Set(records.filter { $0.state == .active }.map(\.id))
        let hasDependants = Set(records.filter { $0.state == .active }.flatMap { $0.manifest?.dependencies.map(\.id) ?? [] })
        let depths = platform.mailboxDepths()
        let loaded = records.map { r in
            PluginRow(id: r.id, name: r.manifest?.name ?? r.id, version: r.versionText, state: r.state.rawValue, reason: r.reason,
                      warnings: r.warnings + residentWarning(r.id), mailboxDepth: depths[r.id],
                      canDeactivate: active.contains(r.id) && !hasDependants.contains(r.id),
                      canActivate: (r.state == .resolved || r.state == .failed) && r.manifest != nil)
        }
        let catalog = platform.catalogRows(for: records).map { row in
            PluginRow(id: row.id, name: platform.license.gate.tiers.displayName(row.id), version: row.version, state: row.state, reason: row.reason)
        }
        return loaded + catalog
    }

    /// Old Swift images a module's swaps left mapped: they cost memory until a restart.
    func residentWarning(_ id: String) -> [String] {
        let count = platform.plugins.residentGenerations(id)
        guard count > 0 else { return [] }
        let limit = platform.plugins.configuration.maxResidentGenerations
        return ["\(count) old Swift \(count == 1 ? "image" : "images") of this module stay mapped after hot swaps (limit \(limit)); restart the host to reclaim their memory"]
    }

    func activate(_ id: String) throws {
        try platform.plugins.activate(id)
        platform.writeRunState()
    }

    func deactivate(_ id: String) throws {
        try platform.plugins.deactivate(id)
        platform.writeRunState()
    }

    func swap(_ id: String, source: String, by: String, pauseDeadline: Duration, progress: @escaping @Sendable (SwapStep) -> Void) throws -> SwapRecord {
        try platform.swap(id, source: source, by: by, pauseDeadline: pauseDeadline, progress: progress)
    }

    func rollback(_ id: String, by: String, progress: @escaping @Sendable (SwapStep) -> Void) throws -> SwapRecord {
        try platform.rollback(id, by: by, progress: progress)
    }

    func swapHistory(_ id: String?) throws -> [SwapRecord] { try platform.swapHistory(id) }

    func failedNotifications() throws -> [NotificationFailureRow] {
        try (platform.notifications?.deliveries(status: "failed") ?? []).map { d in
            NotificationFailureRow(when: d.createdAt.map(UTCTime.format) ?? "—", type: d.type, channel: d.channel, address: d.address,
                                   attempts: d.attempts, answer: d.providerAnswer)
        }
    }

    func permissions() -> [String: String] {
        var all = ["admin.read": "Read the admin API and the console", "admin.write": "Change plugins, settings, users; replay dead letters"]
        for record in platform.plugins.plugins { all.merge(record.manifest?.permissions ?? [:]) { a, _ in a } }
        return all
    }

    func license() -> LicenseSummary {
        // What the license allows, over every module of the product (tiers.json).
        let gate = platform.license.gate
        let decisions = gate.tiers.allModules.map { gate.decideEntitlement(moduleID: $0.id) }
        let refused = decisions.filter { $0.reason != nil }.count
        guard let license = platform.license.gate.license else {
            return LicenseSummary(licensee: "—", tier: "none", environment: "—", expires: "—", daysLeft: 0, banner: platform.license.gate.banner,
                                  warnings: platform.license.gate.warnings, entitled: 0, refused: refused)
        }
        let p = license.payload
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        return LicenseSummary(
            licensee: p.licenseeName, tier: platform.license.gate.tiers.tier(p.tier)?.name ?? p.tier, environment: p.environment.rawValue,
            expires: day.string(from: p.expiresAt), daysLeft: Int(p.expiresAt.timeIntervalSinceNow / 86_400),
            banner: platform.license.gate.banner, warnings: platform.license.gate.warnings,
            entitled: decisions.count - refused, refused: refused)
    }

    func deadLetters() throws -> [EOPConsole.DeadLetterRow] {
        guard let log = platform.eventLog else { return [] }
        return try EventLog.deadLetters(target: log.target).map {
            EOPConsole.DeadLetterRow(id: $0.id.uuidString.lowercased(), subscriber: $0.subscriber, topic: $0.topic, reason: $0.reason,
                          attempts: $0.attempts, when: UTCTime.format($0.createdAt), replayed: $0.replayedAt != nil)
        }
    }

    func replay(_ id: UUID) throws {
        guard let log = platform.eventLog else { throw AdminFailure("this host runs without a database") }
        _ = try EventLog.requestReplay(deadLetter: id, target: log.target)
    }

    func settingsForms() -> [ModuleSettingsForm] {
        let stored = (try? platform.configuration.readSettings()) ?? [:]
        return platform.plugins.plugins.compactMap { record -> ModuleSettingsForm? in
            guard let schemaJSON = record.manifest?.settingsSchemaJSON, let schema = try? SettingsSchema(json: schemaJSON), !schema.keys.isEmpty else { return nil }
            let resolved = try? ModuleSettings.resolve(schema: schema, json: stored[record.id] ?? Data("{}".utf8))
            let fields = schema.keys.compactMap { key -> SettingField? in
                guard let definition = schema.definition(for: key) else { return nil }
                let value = resolved?.value(for: key).map(Self.plain) ?? ""
                return SettingField(key: key, type: definition.type.rawValue, value: definition.isSecret ? "" : value, description: definition.summary,
                                    secret: definition.isSecret, allowed: definition.allowedValues?.map(Self.plain))
            }
            return ModuleSettingsForm(pluginID: record.id, fields: fields, error: resolved == nil ? "the saved values do not match the schema" : nil)
        }
    }

    /// A value as a form shows it: text without JSON quotes.
    static func plain(_ value: SettingsValue) -> String { value.stringValue ?? value.jsonText }

    func updateSettings(_ pluginID: String, values: [String: String]) throws -> String {
        guard let manifest = platform.plugins.plugin(pluginID)?.manifest, let schemaJSON = manifest.settingsSchemaJSON else {
            throw AdminFailure("'\(pluginID)' declares no settings")
        }
        let schema = try SettingsSchema(json: schemaJSON)
        let file = platform.configuration.settingsFile
        var all = ((try? JSONSerialization.jsonObject(with: Data(contentsOf: file))) as? [String: Any]) ?? [:]
        var current = all[pluginID] as? [String: Any] ?? [:]
        for (key, text) in values {
            guard let definition = schema.definition(for: key) else { throw AdminFailure("setting '\(key)': \(pluginID) declares no such setting") }
            if definition.isSecret && text.isEmpty { continue }  // an empty secret field keeps the secret
            if text.isEmpty && !definition.isRequired { current[key] = nil; continue }
            switch definition.type {
            case .string, .currency: current[key] = text
            case .boolean: current[key] = (text == "true" || text == "on")
            case .integer:
                guard let n = Int64(text) else { throw AdminFailure("setting '\(key)': \"\(text)\" is not a whole number") }
                current[key] = n
            case .number:
                guard let n = Double(text) else { throw AdminFailure("setting '\(key)': \"\(text)\" is not a number") }
                current[key] = n
            case .money:
                guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else { throw AdminFailure("setting '\(key)': give {\"amount\": minor units, \"currency\": \"USD\"}") }
                current[key] = object
            }
        }
        // Validate the whole module's values against its schema before anything is written.
        _ = try ModuleSettings.resolve(schema: schema, json: try JSONSerialization.data(withJSONObject: current))
        all[pluginID] = current
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: all, options: [.prettyPrinted, .sortedKeys]).write(to: file, options: .atomic)
        return "Settings of \(pluginID) saved; they apply when \(pluginID) is next activated (deactivate and activate it to apply now)."
    }
}

/// An admin request the platform cannot carry out, with the reason.
struct AdminFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
