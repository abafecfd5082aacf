import EOPSDK
import Foundation

/// The visitor's wishlist and compare list, as product slugs (`[a-z0-9-]`).
///
/// Guests keep them in cookies (slugs separated by `.`), which need no storage of ours.
/// A signed-in customer's lists live in Storefront's schema (`list_entries`), so they follow
/// the customer to every device; list cookies the customer still carries from browsing as a
/// guest are merged into the stored lists the first time the customer is seen with them,
/// then cleared.
enum Lists {
    static let wishlist = "sf_wishlist"
    static let compare = "sf_compare"
    /// Products side by side at most on the compare page.
    static let compareLimit = 4
    /// Keeps the cookie well under the 4 KB browsers allow (and stored lists the same size).
    static let wishlistLimit = 50

    static func limit(_ cookie: String) -> Int { cookie == compare ? compareLimit : wishlistLimit }

    /// The list's name in `list_entries.list`.
    static func stored(_ cookie: String) -> String { cookie == compare ? "compare" : "wishlist" }

    static func isSlug(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 200 && s.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    static func setCookie(_ name: String, _ slugs: [String]) -> (String, String) {
        ("Set-Cookie", "\(name)=\(slugs.joined(separator: ".")); Path=/; Max-Age=31536000; SameSite=Lax")
    }

    static func clearCookie(_ name: String) -> (String, String) {
        ("Set-Cookie", "\(name)=; Path=/; Max-Age=0; SameSite=Lax")
    }
}

/// A visitor's two lists for one request.
struct ShopperLists {
    var wishlist: [String] = []
    var compare: [String] = []
    /// Cookie entries that did not fit a customer's stored list when they were merged
    /// (by cookie name); empty for guests.
    var dropped: [String: Int] = [:]
    /// `Set-Cookie` headers clearing list cookies that were merged into stored lists.
    var clearCookies: [(String, String)] = []

    func slugs(_ cookie: String) -> [String] { cookie == Lists.compare ? compare : wishlist }
}

/// The answer to adding a product to a list.
enum ListChange {
    case added, alreadyThere, full
}

extension Storefront {
    /// The slugs in a list cookie (anything that is not a slug is dropped).
    func cookieList(_ request: HTTPRequest, _ name: String) -> [String] {
        (request.cookie(name) ?? "").split(separator: ".").map(String.init).filter(Lists.isSlug)
    }

    /// The signed-in customer whose lists are stored, or nil for a visitor whose lists are
    /// cookies (guests; staff browsing the shop keep cookies too).
    func listCustomer(_ request: HTTPRequest) -> String? {
        sql != nil && request.principalKind == "customer" && !request.principalID.isEmpty ? request.principalID : nil
    }

    /// The schema of stored lists (only asked for when `listCustomer` found a customer).
    func listsSQL() throws -> SQL {
        guard let sql else { throw PluginError("Storefront has no database on this host: lists are cookies") }
        return sql
    }

    /// The visitor's lists: the cookies for a guest; for a customer the stored lists, with
    /// any list cookie merged in first (and a header to clear it).
    func shopperLists(_ request: HTTPRequest) throws -> ShopperLists {
        guard let customer = listCustomer(request) else {
            return ShopperLists(wishlist: cookieList(request, Lists.wishlist), compare: cookieList(request, Lists.compare))
        }
        var lists = ShopperLists()
        for name in [Lists.wishlist, Lists.compare] where request.cookie(name) != nil {
            let dropped = try mergeIntoStored(customer, name, cookieList(request, name))
            if dropped > 0 { lists.dropped[name] = dropped }
            lists.clearCookies.append(Lists.clearCookie(name))
        }
        let rows = try listsSQL().execute("SELECT list, slug FROM list_entries WHERE customer_id = $1 ORDER BY position", customer)
        for row in rows {
            let slug = try row.requiredString("slug")
            if try row.requiredString("list") == "compare" { lists.compare.append(slug) } else { lists.wishlist.append(slug) }
        }
        return lists
    }

    /// Adds the cookie's slugs to the customer's stored list after the ones already there, up
    /// to the list's limit; returns how many did not fit (they are dropped with the cookie).
    ///
    /// Rationale: the stored list is what the customer built while signed in, possibly on
    /// another device, so it keeps its places; a guest's cookie entries only fill what is left.
    private func mergeIntoStored(_ customer: String, _ cookie: String, _ slugs: [String]) throws -> Int {
        guard !slugs.isEmpty else { return 0 }
        return try listsSQL().transaction {
            var seen = Set(try lockedList(customer, cookie))
            var room = Lists.limit(cookie) - seen.count
            var dropped = 0
            for slug in slugs where seen.insert(slug).inserted {
                guard room > 0 else { dropped += 1; continue }
                try insert(customer, cookie, slug)
                room -= 1
            }
            return dropped
        }
    }

    /// Adds a product to the customer's stored list, unless it is full.
    func addToStored(_ customer: String, _ cookie: String, _ slug: String) throws -> ListChange {
        try listsSQL().transaction {
            let stored = try lockedList(customer, cookie)
            if stored.contains(slug) { return .alreadyThere }
            guard stored.count < Lists.limit(cookie) else { return .full }
            try insert(customer, cookie, slug)
            return .added
        }
    }

    func removeFromStored(_ customer: String, _ cookie: String, _ slug: String) throws {
        try listsSQL().execute("DELETE FROM list_entries WHERE customer_id = $1 AND list = $2 AND slug = $3", customer, Lists.stored(cookie), slug)
    }

    /// The customer's list, with their owner row locked until the transaction ends: changes
    /// to one customer's lists take turns, so a limit cannot be passed by two racing adds.
    private func lockedList(_ customer: String, _ cookie: String) throws -> [String] {
        try listsSQL().execute("INSERT INTO list_owners (customer_id) VALUES ($1) ON CONFLICT DO NOTHING", customer)
        try listsSQL().execute("SELECT customer_id FROM list_owners WHERE customer_id = $1 FOR UPDATE", customer)
        return try listsSQL().execute("SELECT slug FROM list_entries WHERE customer_id = $1 AND list = $2 ORDER BY position", customer, Lists.stored(cookie))
            .map { try $0.requiredString("slug") }
    }

    private func insert(_ customer: String, _ cookie: String, _ slug: String) throws {
        try listsSQL().execute("INSERT INTO list_entries (customer_id, list, slug) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", customer, Lists.stored(cookie), slug)
    }
}
