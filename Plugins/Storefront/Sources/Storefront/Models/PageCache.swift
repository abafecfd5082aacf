import EOPSDK
import Foundation
import Synchronization

/// Rendered shop pages kept in memory for visitors without cookies (first visits, search
/// engines, link previews): a hit costs no query to Catalog and no template rendering.
///
/// A page is kept until the first of:
/// - a Catalog or shop-setup fact arrives (`catalog.product.*`, `catalog.price.changed`,
///   `menu.menu.changed`, `launcher.shop.configured`): everything is dropped, since one
///   product can appear on the home page, in categories, searches and the sitemap;
/// - the next scheduled price change (`catalog.price.next_change`: a flash sale starting
///   or ending), so a sale shows from its first second to its last;
/// - `page_cache_seconds` after it was rendered.
/// A page rendered while a fact arrived is not kept (the generation changed meanwhile).
/// Requests with a cookie or a signed-in principal always render: their pages show the
/// visitor's own cart, wishlist and compare counts.
final class PageCache: Sendable {
    private struct Entry {
        var answer: HTTPAnswer
        var expires: Date
    }

    private struct State {
        var pages: [String: Entry] = [:]
        var generation = 0
        /// The next scheduled price change as Catalog last said, and until when that answer holds.
        var priceBoundary: Date?
        var boundaryKnown = false
    }

    /// Most pages kept; past it the cache starts over (a shop has a bounded set of pages,
    /// but query strings are not).
    static let capacity = 20_000

    private let state = Mutex(State())
    let lifetime: TimeInterval

    init(seconds: Int) { lifetime = TimeInterval(seconds) }

    var enabled: Bool { lifetime > 0 }

    /// The cache key for a request whose pages link to `base`, or nil when its page must
    /// be rendered for this visitor.
    func key(for request: HTTPRequest, base: String) -> String? {
        guard enabled, request.method == "GET", request.principalKind == "anonymous",
              !request.headers.contains(where: { $0.0 == "cookie" }) else { return nil }
        let query = request.query.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        return "\(base)\(request.path)?\(query)"
    }

    /// A kept page, if still good.
    func lookup(_ key: String, now: Date = Date()) -> HTTPAnswer? {
        state.withLock { s in
            guard let entry = s.pages[key] else { return nil }
            guard entry.expires > now else {
                s.pages[key] = nil
                return nil
            }
            return entry.answer
        }
    }

    /// The generation to hand back to `store` (taken before the page reads anything).
    var generation: Int { state.withLock { $0.generation } }

    /// Keeps a 200 page rendered from data read at `generation`; `boundary` is the next
    /// scheduled price change (nil: none).
    func store(_ key: String, _ answer: HTTPAnswer, generation: Int, now: Date = Date()) {
        guard answer.status == 200 else { return }
        state.withLock { s in
            guard s.generation == generation else { return }
            if s.pages.count >= Self.capacity { s.pages.removeAll(keepingCapacity: true) }
            var expires = now.addingTimeInterval(lifetime)
            if let boundary = s.priceBoundary { expires = min(expires, boundary) }
            s.pages[key] = Entry(answer: answer, expires: expires)
        }
    }

    /// Whether the next price change is known (else the caller asks Catalog and calls `setBoundary`).
    var needsBoundary: Bool { state.withLock { s in !s.boundaryKnown || (s.priceBoundary.map { $0 <= Date() } ?? false) } }

    func setBoundary(_ at: Date?, generation: Int) {
        state.withLock { s in
            guard s.generation == generation else { return }
            s.priceBoundary = at
            s.boundaryKnown = true
        }
    }

    /// Drops every page and the known price boundary (something a page shows changed).
    func invalidate() {
        state.withLock { s in
            s.pages.removeAll(keepingCapacity: true)
            s.generation += 1
            s.boundaryKnown = false
            s.priceBoundary = nil
        }
    }

    var count: Int { state.withLock { $0.pages.count } }
}

extension Storefront {
    /// The kept page for this request, or nil. Only memory is read, so the pages' routes
    /// call it as their `inline_handler` on the server's request thread; nil passes the request
    /// to `cached` on a worker thread.
    func kept(_ request: HTTPRequest) -> HTTPAnswer? {
        pageCache.key(for: request, base: baseURL(request)).flatMap(keptPage)
    }

    private func keptPage(_ key: String) -> HTTPAnswer? {
        guard var hit = pageCache.lookup(key) else { return nil }
        hit.headers.append(("X-Page-Cache", "hit"))
        return hit
    }

    /// Serves a cacheable page: from the cache for cookie-less visitors, else rendered (and
    /// kept when it may be). `X-Page-Cache` says which, for operators and tests.
    func cached(_ request: HTTPRequest, _ render: (HTTPRequest) throws -> HTTPAnswer) throws -> HTTPAnswer {
        guard let key = pageCache.key(for: request, base: baseURL(request)) else { return try render(request) }
        if let hit = keptPage(key) { return hit }
        let generation = pageCache.generation
        if pageCache.needsBoundary {
            // Without Catalog's answer the page is served but not kept: a sale could start any second.
            guard let reply = try? catalog.modules.ask("Catalog", "catalog.price.next_change", [:]) else {
                return try render(request)
            }
            let at = (reply["at"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) }
            pageCache.setBoundary(at, generation: generation)
        }
        var answer = try render(request)
        pageCache.store(key, answer, generation: generation)
        answer.headers.append(("X-Page-Cache", "miss"))
        return answer
    }
}
