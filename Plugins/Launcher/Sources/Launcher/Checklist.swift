import EOPSDK
import Foundation

/// The onboarding checklist.
extension Launcher {
    /// `GET /api/launcher/checklist`: items in order, each done or not, and by what.
    func checklist(_ request: HTTPRequest) throws -> HTTPAnswer {
        let rows = try sql.execute("SELECT item, title, topic, done_at::text AS done_at, done_by FROM checklist ORDER BY position")
        let items: [[String: Any]] = try rows.map { row in
            var item: [String: Any] = ["item": try row.requiredString("item"), "title": try row.requiredString("title"),
                                       "ticks_on": try row.requiredString("topic"), "done": try row.string("done_at") != nil]
            if let at = try row.string("done_at") { item["done_at"] = at; item["done_by"] = try row.string("done_by") ?? "" }
            return item
        }
        return .json(object: ["items": items, "remaining": items.filter { $0["done"] as? Bool == false }.count])
    }

    /// `POST /api/launcher/checklist/{item}`: tick an item by hand (for a module that publishes no fact yet).
    func tickByHand(_ request: HTTPRequest) throws -> HTTPAnswer {
        let item = request.pathParameters["item"] ?? ""
        let rows = try sql.execute("UPDATE checklist SET done_at = coalesce(done_at, now()), done_by = coalesce(done_by, $2) WHERE item = $1 RETURNING item",
                                   item, "staff \(request.principalID)")
        guard rows.count == 1 else { throw RequestError(field: "item", reason: "no checklist item '\(item)'", status: 404) }
        return try checklist(request)
    }
}
