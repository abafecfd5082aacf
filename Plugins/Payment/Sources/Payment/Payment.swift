import EOPABI
import EOPPlatformKit
import EOPSDK
import Foundation
import PaymentDrivers

/// The Payment module: payments, attempts, refunds, disputes, gift cards and bank transfer
/// references in its own schema, and the drivers that reach providers. It owns idempotency,
/// the once-only capture and the facts; drivers only talk to their provider.
///
/// Its state is immutable after init (everything else lives in PostgreSQL), so routes on
/// the gateway's workers, commands on query workers and the hook run concurrently without
/// locks; row locks in PostgreSQL order what must not overlap (one capture per payment, no
/// refund beyond what was captured, one redemption of a gift card's balance at a time).
final class Payment: Plugin {
    static let id = "payment"
    static let version = "1.0.0"

    let host: HostAPI
    let sql: SQL
    /// Every declared setting that has a value, as text (JSON strings decoded). Secrets
    /// included: they go to drivers only, never into a log line or an answer.
    let settings: [String: String]
    /// The drivers behind `PaymentDriver`, by method id.
    let gateways: [String: DriverRegistration]

    init(host: HostAPI) throws {
        self.host = host
        sql = try SQL(host: host)
        var values: [String: String] = [:]
        for key in Self.settingKeys {
            guard let json = try? host.setting(key) else { continue }  // no value and no default
            values[key] = Self.settingText(json)
        }
        settings = values
        gateways = Dictionary(Self.registrations.map { ($0.driver.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func activate() throws {
        let offered = try methods().filter { $0["available"] as? Bool == true }.compactMap { $0["id"] as? String }
        host.log(.info, "payment is active; methods available: \(offered.isEmpty ? "none" : offered.joined(separator: ", "))")
        // Settings apply at activation, so this is where a newly configured method shows.
        // The announcement only ticks an onboarding checklist: a failure is logged, Payment still runs
        // (the next activation announces what this one could not).
        do {
            let announced = try announceConfiguredMethods()
            if !announced.isEmpty { host.log(.info, "payment announced newly offered methods: \(announced.joined(separator: ", "))") }
        } catch {
            host.log(.warning, "payment.method.enabled not published (the next activation tries again): \(error)")
        }
    }

    /// A new row id: UUIDv7, so ids sort by creation time.
    static func newID() -> String { UUIDv7.generate().uuidString.lowercased() }

    /// The settings the core reads itself, beside each driver's own.
    static let coreSettings = ["public_base_url", "shop_return_url", "disabled_methods", "provider_timeout_ms"]
    static var settingKeys: [String] { coreSettings + registrations.flatMap { r in r.settings.map(r.key) } }

    /// A setting's JSON text as plain text: a string's value, anything else as written.
    static func settingText(_ json: String) -> String {
        if let s = try? JSONDecoder().decode(String.self, from: Data(json.utf8)) { return s }
        return json
    }

    /// Method ids the shop switched off (setting `disabled_methods`, comma-separated).
    var disabledMethods: Set<String> {
        Set((settings["disabled_methods"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }
}
