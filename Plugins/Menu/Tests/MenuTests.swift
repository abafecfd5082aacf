import EOPPluginTesting
import EOPStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Menu plugin: menus over HTTP against PostgreSQL, and the admin menu from active plugins' routes")
struct MenuTests {
    static let writer = testHeaders("staff:u1:menu.menu.write,menu.menu.read")

    @Test("staff build a nested menu; order, groups and links hold; the storefront sees only what the customer's group may")
    func nestedMenuWithVisibility() async throws {
        let shop = try await ModuleHost(modules: ["menu"])
        defer { shop.shutdown() }
        try #require(shop.host.plugin("menu")?.state == .active, "\(shop.reason("menu"))")
        try await shop.http { client in
            try await client.execute(uri: "/api/menu/menus", method: .post, headers: Self.writer, body: ByteBuffer(string: #"{"handle":"main","name":"Main menu"}"#)) { r in
                #expect(r.status == .created, "\(String(buffer: r.body))")
            }
            // A second menu with the same handle is refused, naming the field.
            try await client.execute(uri: "/api/menu/menus", method: .post, headers: Self.writer, body: ByteBuffer(string: #"{"handle":"main","name":"Again"}"#)) { r in
                #expect(r.status == .conflict)
                #expect(problemField(r.body) == "handle")
            }
            func add(_ json: String) async throws -> Int {
                try await client.execute(uri: "/api/menu/menus/main/items", method: .post, headers: Self.writer, body: ByteBuffer(string: json)) { r in
                    #expect(r.status == .created, "\(json): \(String(buffer: r.body))")
                    return try jsonObject(r.body)["id"] as? Int ?? -1
                }
            }
            let shoes = try await add(#"{"label":"Shoes","link":{"kind":"category","target":"shoes"},"position":2}"#)
            _ = try await add(#"{"label":"Sale","link":{"kind":"page","target":"sale"},"position":1}"#)
            _ = try await add(#"{"label":"Boots","link":{"kind":"product","target":"boot-42"},"parent_id":\#(shoes)}"#)
            _ = try await add(#"{"label":"Trade prices","link":{"kind":"url","target":"https://example.com/trade"},"parent_id":\#(shoes),"groups":["wholesale"]}"#)
            _ = try await add(#"{"label":"VIP","link":{"kind":"page","target":"vip"},"groups":["vip"]}"#)

            // Bad items are refused with the field named.
            for (json, field) in [(#"{"label":"X","link":{"kind":"brand","target":"x"}}"#, "link.kind"),
                                  (#"{"label":"X","link":{"kind":"url","target":"javascript:alert(1)"}}"#, "link.target"),
                                  (#"{"link":{"kind":"page","target":"x"}}"#, "label"),
                                  (#"{"label":"X","link":{"kind":"page","target":"x"},"groups":["Not A Group"]}"#, "groups[0]"),
                                  (#"{"label":"X","link":{"kind":"page","target":"x"},"parent_id":999999}"#, "parent_id")] {
                try await client.execute(uri: "/api/menu/menus/main/items", method: .post, headers: Self.writer, body: ByteBuffer(string: json)) { r in
                    #expect(r.status == .badRequest, "\(json)")
                    #expect(r.headers[.contentType] == "application/problem+json")
                    #expect(problemField(r.body) == field, "\(json): \(String(buffer: r.body))")
                }
            }

            // A guest: top level ordered by position, the wholesale child and the VIP item hidden.
            try await client.execute(uri: "/api/menu/public/main", method: .get) { r in
                #expect(r.status == .ok)
                let items = try #require(try jsonObject(r.body)["items"] as? [[String: Any]])
                #expect(items.map { $0["label"] as? String } == ["Sale", "Shoes"])
                #expect(items.map { $0["href"] as? String } == ["/page/sale", "/category/shoes"])
                let children = try #require(items[1]["children"] as? [[String: Any]])
                #expect(children.map { $0["label"] as? String } == ["Boots"])
                #expect(children.first?["href"] as? String == "/product/boot-42")
            }
            // A wholesale customer also sees the trade link.
            try await client.execute(uri: "/api/menu/public/main?group=wholesale", method: .get) { r in
                let items = try #require(try jsonObject(r.body)["items"] as? [[String: Any]])
                #expect(items.map { $0["label"] as? String } == ["Sale", "Shoes"])
                #expect((items[1]["children"] as? [[String: Any]])?.map { $0["label"] as? String } == ["Boots", "Trade prices"])
            }
            try await client.execute(uri: "/api/menu/public/main?group=vip", method: .get) { r in
                let items = try #require(try jsonObject(r.body)["items"] as? [[String: Any]])
                #expect(items.map { $0["label"] as? String } == ["Sale", "Shoes", "VIP"])
            }
            // Moving Shoes first; an item cannot become its own descendant's child.
            try await client.execute(uri: "/api/menu/items/\(shoes)", method: .patch, headers: Self.writer, body: ByteBuffer(string: #"{"position":0}"#)) { r in
                #expect(r.status == .ok, "\(String(buffer: r.body))")
            }
            try await client.execute(uri: "/api/menu/items/\(shoes)", method: .patch, headers: Self.writer, body: ByteBuffer(string: #"{"parent_id":\#(shoes)}"#)) { r in
                #expect(r.status == .badRequest)
                #expect(problemField(r.body) == "parent_id")
            }
            try await client.execute(uri: "/api/menu/public/main", method: .get) { r in
                let items = try #require(try jsonObject(r.body)["items"] as? [[String: Any]])
                #expect(items.map { $0["label"] as? String } == ["Shoes", "Sale"])
            }
            // Staff see everything, groups included; deleting Shoes removes its children.
            try await client.execute(uri: "/api/menu/menus/main", method: .get, headers: Self.writer) { r in
                let items = try #require(try jsonObject(r.body)["items"] as? [[String: Any]])
                #expect(items.count == 3)
                #expect((items.last?["groups"] as? [String]) == ["vip"])
            }
            try await client.execute(uri: "/api/menu/items/\(shoes)", method: .delete, headers: Self.writer) { r in #expect(r.status == .noContent) }
            // Writing needs the permission; reading the public menu needs nobody.
            try await client.execute(uri: "/api/menu/menus", method: .post, headers: testHeaders("staff:u2:menu.menu.read"), body: ByteBuffer(string: #"{"handle":"x","name":"X"}"#)) { r in
                #expect(r.status == .forbidden)
            }
            try await client.execute(uri: "/api/menu/public/nope", method: .get) { r in #expect(r.status == .notFound) }
        }
        let db = try shop.connect()
        defer { db.close() }
        #expect(try db.execute("SELECT count(*) FROM \(shop.schema(of: "menu")).menu_items").int64(row: 0, column: 0) == 2)
        // Every change was published for the storefront's cache.
        #expect(shop.log.drain(timeout: .seconds(10)))
        #expect(try db.execute("SELECT count(*) FROM eop.events WHERE topic = 'menu.menu.changed' AND source = 'menu'").int64(row: 0, column: 0) == 8)
    }

    @Test("the admin menu lists active plugins' staff pages; a refused module's and a deactivated module's entries vanish")
    func adminMenuFollowsActivePlugins() async throws {
        let shop = try await ModuleHost(modules: ["menu", "launcher", "docs"], refused: ["docs"])
        defer { shop.shutdown() }
        try #require(shop.host.plugin("menu")?.state == .active, "\(shop.reason("menu"))")
        try #require(shop.host.plugin("launcher")?.state == .active, "\(shop.reason("launcher"))")
        #expect(shop.host.plugin("docs")?.state == .refused)
        let owner = testHeaders("staff:owner:*")

        func sections() async throws -> [String: [String]] {
            let result = Box<[String: [String]]>([:])
            try await shop.http { client in
                try await client.execute(uri: "/api/menu/admin", method: .get, headers: owner) { r in
                    #expect(r.status == .ok, "\(String(buffer: r.body))")
                    for section in try jsonObject(r.body)["sections"] as? [[String: Any]] ?? [] {
                        result.value[section["plugin"] as? String ?? "?"] = (section["entries"] as? [[String: Any]] ?? []).compactMap { $0["href"] as? String }
                    }
                }
            }
            return result.value
        }
        let before = try await sections()
        #expect(before["launcher"] == ["/api/launcher/checklist", "/api/launcher/health"], "\(before)")
        #expect(before["menu"] == ["/api/menu/menus", "/api/menu/admin"], "\(before)")
        #expect(before["docs"] == nil, "the refused Docs module must not be in the admin menu: \(before)")

        // A staff member without menu.menu.read does not get the menus page.
        try await shop.http { client in
            try await client.execute(uri: "/api/menu/admin", method: .get, headers: testHeaders("staff:clerk:")) { r in
                let menu = (try jsonObject(r.body)["sections"] as? [[String: Any]])?.first { $0["plugin"] as? String == "menu" }
                #expect((menu?["entries"] as? [[String: Any]])?.compactMap { $0["href"] as? String } == ["/api/menu/admin"])
            }
        }

        try shop.host.deactivate("launcher")
        let after = try await sections()
        #expect(after["launcher"] == nil, "a deactivated module's entries must vanish: \(after)")
        #expect(after["menu"] != nil)
        try shop.host.activate("launcher")
        #expect(try await sections()["launcher"] != nil)
    }
}
