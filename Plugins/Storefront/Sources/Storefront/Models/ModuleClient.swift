import EOPABI
import EOPSDK
import Foundation

/// Why a page could not get what it needed from another module.
enum ModuleProblem: Error, CustomStringConvertible {
    /// Nobody answers the topic (the module is not installed, not licensed or stopped),
    /// or it did not answer in time.
    case missing(module: String, topic: String, reason: String)
    /// The module answered that the request is wrong (e.g. an unknown category).
    case refused(topic: String, reason: String)
    /// The module answered that its state changed under the request (`EOP_ERR_CONFLICT`:
    /// prices changed since the shopper saw them).
    case conflict(topic: String, reason: String)
    /// The module answered something this page cannot read.
    case unreadable(topic: String, reason: String)

    /// A sentence for the page.
    var description: String {
        switch self {
        case .missing(let module, let topic, let reason): "\(module) is not active or does not answer \(topic) (\(reason))."
        case .refused(_, let reason), .conflict(_, let reason): reason
        case .unreadable(let topic, let reason): "The answer to \(topic) could not be read: \(reason)."
        }
    }

    var isMissing: Bool { if case .missing = self { true } else { false } }
}

extension Error {
    /// This error as a module problem (every error of ModuleClient is one).
    var asProblem: ModuleProblem { (self as? ModuleProblem) ?? .unreadable(topic: "(page)", reason: String(describing: self)) }
}

/// Sends the query topics the manifest lists under `requests` and decodes their JSON replies.
struct ModuleClient: Sendable {
    let host: HostAPI

    /// Sends `payload` to `topic` (owned by `module`, for messages).
    func ask(_ module: String, _ topic: String, _ payload: [String: Any], timeoutMS: UInt32 = 2_000) throws(ModuleProblem) -> [String: Any] {
        let json = String(decoding: (try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])) ?? Data("{}".utf8), as: UTF8.self)
        let reply: String
        do {
            reply = try host.request(topic, json: json, timeoutMS: timeoutMS)
        } catch {
            switch error.status {
            case EOP_ERR_NOT_FOUND, EOP_ERR_UNAVAILABLE, EOP_ERR_TIMEOUT, EOP_ERR_DENIED:
                throw .missing(module: module, topic: topic, reason: error.message)
            case EOP_ERR_CONFLICT:
                throw .conflict(topic: topic, reason: error.message)
            default:
                throw .refused(topic: topic, reason: error.message)
            }
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(reply.utf8))) as? [String: Any] else {
            throw .unreadable(topic: topic, reason: "not a JSON object")
        }
        return object
    }
}

/// Catalog's query topics, as the storefront uses them. The payload contracts are in
/// Plugins/Storefront/Docs/README.md ("What Storefront asks of Catalog").
struct CatalogClient: Sendable {
    let modules: ModuleClient

    init(host: HostAPI) { modules = ModuleClient(host: host) }

    /// Active products: `filters` are the same names and text values as the query of
    /// `GET /api/catalog/search` (q, category, brand, attr.<name>, min_price, max_price, limit, after).
    func search(_ filters: [String: String]) throws(ModuleProblem) -> ProductPage {
        let reply = try modules.ask("Catalog", "catalog.product.search", filters)
        guard let items = reply["items"] as? [[String: Any]] else { throw .unreadable(topic: "catalog.product.search", reason: "no 'items' array") }
        return ProductPage(items: items.compactMap(ProductSummary.init), next: reply["next"] as? String)
    }

    /// One active product by slug (nil when there is none).
    func product(slug: String) throws(ModuleProblem) -> [String: Any]? {
        do {
            let reply = try modules.ask("Catalog", "catalog.product.get", ["slug": slug])
            guard reply["status"] as? String ?? "active" == "active" else { return nil }
            return reply
        } catch {
            let problem = error.asProblem
            if case .refused(_, let reason) = problem, reason.localizedCaseInsensitiveContains("not found") || reason.localizedCaseInsensitiveContains("no product") {
                return nil
            }
            throw problem
        }
    }

    /// The category tree, flattened with depth.
    func categories() throws(ModuleProblem) -> [Category] {
        let reply = try modules.ask("Catalog", "catalog.category.list", [:])
        guard let roots = reply["categories"] as? [[String: Any]] else { throw .unreadable(topic: "catalog.category.list", reason: "no 'categories' array") }
        var out: [Category] = []
        func walk(_ nodes: [[String: Any]], depth: Int) {
            for n in nodes {
                guard let slug = n["slug"] as? String, let name = n["name"] as? String else { continue }
                out.append(Category(slug: slug, name: name, depth: depth))
                walk(n["children"] as? [[String: Any]] ?? [], depth: depth + 1)
            }
        }
        walk(roots, depth: 0)
        return out
    }

    /// Current unit prices (flash sales and tiers applied) of variants for quantity 1, by variant id.
    func quotes(variantIDs: [String]) throws(ModuleProblem) -> [String: (price: Int64, currency: String?, source: String?)] {
        guard !variantIDs.isEmpty else { return [:] }
        let reply = try modules.ask("Catalog", "catalog.price.quote", ["items": variantIDs.map { ["variant_id": $0, "quantity": 1] }])
        var out: [String: (price: Int64, currency: String?, source: String?)] = [:]
        for item in reply["items"] as? [[String: Any]] ?? [] {
            guard let id = item["variant_id"] as? String, let price = (item["unit_price"] as? NSNumber)?.int64Value else { continue }
            out[id] = (price, item["currency"] as? String, item["source"] as? String)
        }
        return out
    }
}

struct Category: Sendable {
    var slug: String
    var name: String
    var depth: Int
}

/// A product as a listing shows it.
struct ProductSummary: Sendable {
    var id: String
    var slug: String
    var name: String
    var brand: String?
    var priceFrom: Int64?
    var currency: String?
    var image: String?

    init?(_ json: [String: Any]) {
        guard let id = json["id"] as? String, let slug = json["slug"] as? String, let name = json["name"] as? String else { return nil }
        self.id = id
        self.slug = slug
        self.name = name
        brand = json["brand"] as? String
        priceFrom = (json["price_from"] as? NSNumber)?.int64Value
        currency = json["currency"] as? String
        image = (json["image"] as? [String: Any])?["url"] as? String ?? json["image"] as? String
    }
}

struct ProductPage: Sendable {
    var items: [ProductSummary]
    var next: String?
}
