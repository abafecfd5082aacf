import EOPSDK
import Foundation

/// The HTTP API: staff CRUD under /api/menu/…, the storefront's public read, the admin menu.
extension Menu {
    /// `GET /api/menu/menus`: every menu with its item count.
    func listMenus(_ request: HTTPRequest) throws -> HTTPAnswer {
        let rows = try sql.execute("""
            SELECT m.handle, m.name, (SELECT count(*) FROM menu_items i WHERE i.menu_id = m.id) AS items
            FROM menus m ORDER BY m.handle
            """)
        let menus = try rows.map { ["handle": try $0.requiredString("handle"), "name": try $0.requiredString("name"), "items": try $0.requiredInt64("items")] as [String: Any] }
        return .json(object: ["menus": menus])
    }

    /// `POST /api/menu/menus` `{"handle": "main", "name": "Main menu"}`.
    func createMenu(_ request: HTTPRequest) throws -> HTTPAnswer {
        let body = try request.jsonObject()
        let handle = try Fields.string(body, "handle", required: true, max: 64)!
        guard Fields.isName(handle) else { throw RequestError(field: "handle", reason: "'\(handle)' is not a handle (lower-case a-z, 0-9, '-', '_')") }
        let name = try Fields.string(body, "name", required: true)!
        do {
            try sql.execute("INSERT INTO menus (handle, name) VALUES ($1, $2)", handle, name)
        } catch {
            // The body throws only SQLError, so `error` is one.
            guard error.isUniqueViolation else { throw error }
            throw RequestError(field: "handle", reason: "a menu '\(handle)' already exists", status: 409)
        }
        try changed(handle, "created")
        return .json(object: ["handle": handle, "name": name, "items": []], status: 201)
    }

    /// `GET /api/menu/menus/{handle}`: the whole tree, hidden items too, with their groups.
    func getMenu(_ request: HTTPRequest) throws -> HTTPAnswer {
        let handle = request.pathParameters["handle"] ?? ""
        let id = try menuID(handle)
        let name = try sql.execute("SELECT name FROM menus WHERE id = $1", id).first?.requiredString("name") ?? handle
        return .json(object: ["handle": handle, "name": name, "items": MenuItem.tree(try items(of: id), audience: nil, staffView: true)])
    }

    /// `DELETE /api/menu/menus/{handle}`: the menu and its items.
    func deleteMenu(_ request: HTTPRequest) throws -> HTTPAnswer {
        let handle = request.pathParameters["handle"] ?? ""
        _ = try menuID(handle)
        try sql.execute("DELETE FROM menus WHERE handle = $1", handle)
        try changed(handle, "deleted")
        return HTTPAnswer(status: 204)
    }

    /// `POST /api/menu/menus/{handle}/items` `{"label", "link": {"kind", "target"}, "parent_id"?, "position"?, "groups"?}`.
    func addItem(_ request: HTTPRequest) throws -> HTTPAnswer {
        let handle = request.pathParameters["handle"] ?? ""
        let menu = try menuID(handle)
        let body = try request.jsonObject()
        let label = try Fields.string(body, "label", required: true)!
        let link = try Fields.link(body, required: true)!
        let parent = try Fields.int(body, "parent_id")
        if let parent { try checkParent(parent, menu: menu, item: nil) }
        let position = try Fields.int(body, "position")
            ?? (try sql.execute("SELECT coalesce(max(position) + 1, 0) AS next FROM menu_items WHERE menu_id = $1 AND parent_id IS NOT DISTINCT FROM $2", menu, parent).first?.requiredInt64("next") ?? 0)
        let groups = try Fields.groups(body) ?? ""
        let row = try sql.execute("""
            INSERT INTO menu_items (menu_id, parent_id, label, kind, target, position, groups)
            VALUES ($1, $2, $3, $4, $5, $6, coalesce(string_to_array(nullif($7, ''), ','), '{}')::text[]) RETURNING id
            """, menu, parent, label, link.kind, link.target, position, groups)
        let id = try row.first!.requiredInt64("id")
        try changed(handle, "item added")
        return .json(object: ["id": id, "label": label, "kind": link.kind, "target": link.target, "position": position,
                              "parent_id": parent.map { $0 as Any } ?? NSNull(), "groups": groups.split(separator: ",").map(String.init)], status: 201)
    }

    /// `PATCH /api/menu/items/{id}`: label, link, parent (null: top level), position, groups.
    func updateItem(_ request: HTTPRequest) throws -> HTTPAnswer {
        let (id, menu, handle) = try item(request)
        let body = try request.jsonObject()
        try sql.transaction {
            if let label = try Fields.string(body, "label", required: false) { try sql.execute("UPDATE menu_items SET label = $1 WHERE id = $2", label, id) }
            if let link = try Fields.link(body, required: false) {
                try sql.execute("UPDATE menu_items SET kind = $1, target = $2 WHERE id = $3", link.kind, link.target, id)
            }
            if body.keys.contains("parent_id") {
                let parent = try Fields.int(body, "parent_id")
                if let parent { try checkParent(parent, menu: menu, item: id) }
                try sql.execute("UPDATE menu_items SET parent_id = $1 WHERE id = $2", parent, id)
            }
            if let position = try Fields.int(body, "position") { try sql.execute("UPDATE menu_items SET position = $1 WHERE id = $2", position, id) }
            if let groups = try Fields.groups(body) {
                try sql.execute("UPDATE menu_items SET groups = coalesce(string_to_array(nullif($1, ''), ',')::text[], '{}') WHERE id = $2", groups, id)
            }
        }
        try changed(handle, "item changed")
        return .json(object: ["id": id, "menu": handle, "items": MenuItem.tree(try items(of: menu), audience: nil, staffView: true)])
    }

    /// `DELETE /api/menu/items/{id}`: the item and everything under it.
    func deleteItem(_ request: HTTPRequest) throws -> HTTPAnswer {
        let (id, _, handle) = try item(request)
        try sql.execute("DELETE FROM menu_items WHERE id = $1", id)
        try changed(handle, "item deleted")
        return HTTPAnswer(status: 204)
    }

    /// `GET /api/menu/public/{handle}?group=wholesale`: the storefront's view — only the items
    /// everyone sees, plus those of the customer's group.
    func publicMenu(_ request: HTTPRequest) throws -> HTTPAnswer {
        let handle = request.pathParameters["handle"] ?? ""
        let id = try menuID(handle)
        let group = request.queryValue("group").flatMap { $0.isEmpty ? nil : $0 }
        var answer = HTTPAnswer.json(object: ["handle": handle, "items": MenuItem.tree(try items(of: id), audience: group, staffView: false)])
        answer.headers.append(("cache-control", "public, max-age=60"))
        return answer
    }

    /// `GET /api/menu/admin`: the admin menu, one section per active plugin, one entry per
    /// staff GET route without parameters that the caller may use. A refused, failed or
    /// stopped plugin has no section: the host reports only active ones' routes as served.
    func adminMenu(_ request: HTTPRequest) throws -> HTTPAnswer {
        let directory = try host.pluginDirectory()
        let may = { (permission: String?) in
            permission.map { request.permissions.contains("*") || request.permissions.contains($0) } ?? true
        }
        let sections: [[String: Any]] = directory.plugins.filter(\.isActive).sorted { $0.title < $1.title }.compactMap { plugin in
            let entries: [[String: Any]] = (plugin.routes ?? []).filter { route in
                route.method == "GET" && route.auth == "staff" && !route.path.contains("{") && may(route.permission)
            }.map { ["label": $0.summary ?? $0.path, "href": $0.path] }
            return entries.isEmpty ? nil : ["plugin": plugin.id, "label": plugin.title, "version": plugin.version, "entries": entries]
        }
        return .json(object: ["sections": sections])
    }

    /// The item of `{id}` with its menu; 404 when there is none.
    private func item(_ request: HTTPRequest) throws -> (id: Int64, menu: Int64, handle: String) {
        guard let id = Int64(request.pathParameters["id"] ?? "") else { throw RequestError(field: "id", reason: "must be an item id (an integer)") }
        guard let row = try sql.execute("SELECT i.menu_id, m.handle FROM menu_items i JOIN menus m ON m.id = i.menu_id WHERE i.id = $1", id).first else {
            throw RequestError(field: "id", reason: "no menu item \(id)", status: 404)
        }
        return (id, try row.requiredInt64("menu_id"), try row.requiredString("handle"))
    }

    /// A parent must be an item of the same menu and not the item itself or below it (no cycles).
    private func checkParent(_ parent: Int64, menu: Int64, item: Int64?) throws {
        guard try sql.execute("SELECT 1 FROM menu_items WHERE id = $1 AND menu_id = $2", parent, menu).count == 1 else {
            throw RequestError(field: "parent_id", reason: "no item \(parent) in this menu")
        }
        guard let item else { return }
        let below = try sql.execute("""
            WITH RECURSIVE sub(id) AS (SELECT $1::bigint UNION SELECT i.id FROM menu_items i JOIN sub ON i.parent_id = sub.id)
            SELECT 1 FROM sub WHERE id = $2
            """, item, parent)
        if below.count > 0 { throw RequestError(field: "parent_id", reason: "item \(parent) is this item or below it (a menu cannot loop)") }
    }
}
