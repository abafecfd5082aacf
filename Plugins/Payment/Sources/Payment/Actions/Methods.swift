import EOPSDK
import Foundation

/// The payment methods and whether each can be offered now (`payment.method.list`).
extension Payment {
    /// How the core serves a method.
    enum Method {
        /// A driver behind `PaymentDriver` (Stripe, cash on delivery, bank transfer, …).
        case gateway(DriverRegistration)
        /// The plugin's own gift cards.
        case giftCard
        /// The Wallet module's balance.
        case wallet
    }

    /// Every method id, in the order the shop lists them.
    var methodIDs: [String] { Self.registrations.map(\.driver.id) + ["gift_card", "wallet"] }

    func method(_ id: String) -> Method? {
        if let registration = gateways[id] { return .gateway(registration) }
        switch id {
        case "gift_card": return .giftCard
        case "wallet": return .wallet
        default: return nil
        }
    }

    /// Why a method cannot be offered by this shop's configuration alone, or nil: switched
    /// off, or a required setting missing. (Whether the Wallet module runs is asked apart.)
    func configurationGap(_ id: String) -> String? {
        if disabledMethods.contains(id) { return "switched off (setting 'disabled_methods')" }
        guard let registration = gateways[id] else { return nil }
        if let missing = registration.required.first(where: { (settings[registration.key($0)] ?? "").isEmpty }) {
            return "not configured: setting '\(registration.key(missing))' is not set"
        }
        return nil
    }

    /// `{"methods":[{"id","name","available","reason"?}]}`.
    func methods() throws -> [[String: Any]] {
        var list: [[String: Any]] = []
        for id in methodIDs {
            let name: String
            switch method(id) {
            case .gateway(let registration): name = registration.driver.displayName
            case .giftCard: name = "Gift card"
            case .wallet: name = "Wallet balance"
            case nil: continue
            }
            var reason = configurationGap(id)
            if reason == nil, id == "wallet", !walletModuleActive() { reason = Self.walletInactive }
            var entry: [String: Any] = ["id": id, "name": name, "available": reason == nil]
            if let reason { entry["reason"] = reason }
            list.append(entry)
        }
        return list
    }

    /// The methods announced with `payment.method.enabled`: those the operator has to
    /// configure (a driver with required settings: the gateways and bank transfer). Cash on
    /// delivery and gift cards are offered from the start, so their being offered says
    /// nothing about the shop's setup; the wallet depends on another module, not on settings.
    var configuredMethods: [DriverRegistration] { Self.registrations.filter { !$0.required.isEmpty } }

    /// Publishes `payment.method.enabled` once for each configured method now offered that
    /// was not announced before, and forgets the announced ones no longer offered (so offering
    /// one again announces it again). The announced set and the facts commit together, so a
    /// restart with the same settings publishes nothing. Returns the methods announced now.
    func announceConfiguredMethods() throws -> [String] {
        let offered = configuredMethods.filter { configurationGap($0.driver.id) == nil }
        return try sql.transaction {
            try sql.execute("DELETE FROM announced_methods WHERE NOT (method = ANY($1::text[]))",
                            "{" + offered.map(\.driver.id).joined(separator: ",") + "}")
            var announced: [String] = []
            for registration in offered {
                let id = registration.driver.id
                // A concurrent activation (a hot swap) waits here and then inserts nothing.
                guard try sql.execute("INSERT INTO announced_methods (method) VALUES ($1) ON CONFLICT DO NOTHING RETURNING method", id).count == 1 else { continue }
                try host.publish("payment.method.enabled", json: JSON.text(["method": id, "name": registration.driver.displayName]), schemaVersion: 1)
                announced.append(id)
            }
            return announced
        }
    }

    /// Whether the Wallet module is active, as the host's plugin directory says.
    func walletModuleActive() -> Bool {
        guard let directory = try? host.pluginDirectory() else { return false }
        return directory.plugins.contains { $0.id == "wallet" && $0.isActive }
    }
}
