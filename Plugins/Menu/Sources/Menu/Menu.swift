import EOPSDK
import Foundation

/// Navigation menus: named menus of nested items for the storefront, and the admin
/// menu assembled from the routes active plugins declare.
final class Menu: Plugin {
    static let id = "menu"
    static let version = "1.0.0"

    let host: HostAPI
    let sql: SQL

    init(host: HostAPI) throws {
        self.host = host
        sql = try SQL(host: host)
    }

    /// Tells the storefront (and anyone caching menus) that `handle` changed.
    func changed(_ handle: String, _ change: String) throws {
        let data = try JSONSerialization.data(withJSONObject: ["handle": handle, "change": change], options: [.sortedKeys])
        try host.publish("menu.menu.changed", json: String(decoding: data, as: UTF8.self))
    }

    /// The menu's id, or a 404 naming the handle.
    func menuID(_ handle: String) throws -> Int64 {
        guard let row = try sql.execute("SELECT id FROM menus WHERE handle = $1", handle).first else {
            throw RequestError(field: "handle", reason: "no menu '\(handle)'", status: 404)
        }
        return try row.requiredInt64("id")
    }

    /// Every item of a menu.
    func items(of menuID: Int64) throws -> [MenuItem] {
        try sql.execute("""
            SELECT id, parent_id, label, kind, target, position, array_to_string(groups, ',') AS groups
            FROM menu_items WHERE menu_id = $1
            """, menuID).map { row in
            MenuItem(id: try row.requiredInt64("id"), parentID: try row.int64("parent_id"), label: try row.requiredString("label"),
                     kind: try row.requiredString("kind"), target: try row.requiredString("target"), position: try row.requiredInt64("position"),
                     groups: (try row.string("groups") ?? "").split(separator: ",").map(String.init))
        }
    }
}
