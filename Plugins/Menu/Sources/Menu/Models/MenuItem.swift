import Foundation

/// One menu entry as stored, before it is put in its tree.
struct MenuItem {
    static let kinds = ["category", "product", "page", "url"]

    var id: Int64
    var parentID: Int64?
    var label: String
    var kind: String
    var target: String
    var position: Int64
    var groups: [String]

    /// Where the storefront links it: its own paths for catalog things and pages, the URL as given.
    var href: String {
        switch kind {
        case "category": "/category/\(target)"
        case "product": "/product/\(target)"
        case "page": "/page/\(target)"
        default: target
        }
    }

    /// Visible to a customer of `group` (nil: a guest, who sees only items for everyone).
    func visible(to group: String?) -> Bool { groups.isEmpty || group.map(groups.contains) == true }

    /// Items as nested JSON, ordered by position then id; with `group`, hidden items
    /// (and everything under them) are left out.
    static func tree(_ items: [MenuItem], audience group: String?, staffView: Bool) -> [[String: Any]] {
        let children = Dictionary(grouping: items, by: \.parentID)
        func level(_ parent: Int64?) -> [[String: Any]] {
            (children[parent] ?? []).sorted { ($0.position, $0.id) < ($1.position, $1.id) }
                .filter { staffView || $0.visible(to: group) }
                .map { item in
                    var object: [String: Any] = ["id": item.id, "label": item.label, "kind": item.kind, "target": item.target,
                                                 "href": item.href, "position": item.position, "children": level(item.id)]
                    if staffView { object["groups"] = item.groups }
                    return object
                }
        }
        return level(nil)
    }
}
