// The Swift example plugin: greets every placed order and answers a compose query.
// Build: `swift build --product SwiftHello` (it is a product of the EOP package).
import EOPSDK
import Foundation

/// Greets customers when an order is placed.
final class Hello: Plugin {
    static let id = "hello"
    static let version = "1.0.0"

    private let host: HostAPI
    private let greeting: String

    init(host: HostAPI) throws {
        self.host = host
        // Settings come from the manifest's schema (defaults) and the operator's settings file.
        greeting = try host.stringSetting("greeting")
    }

    func activate() throws {
        host.log(.info, "hello is active; greeting is \"\(greeting)\"")
    }

    /// `order.order.placed` → `hello.greeting.sent`.
    func orderPlaced(_ event: IncomingEvent) throws -> HandlerResult {
        struct Placed: Decodable { let order_id: String; let customer: String?; let total: Int64; let currency: String }
        let order = try event.decode(Placed.self)
        let total = try host.formatMoney(minorUnits: order.total, currency: order.currency)
        let text = "\(greeting), \(order.customer ?? "customer")! Your order \(order.order_id) of \(total) is placed."
        let payload = try JSONSerialization.data(withJSONObject: ["order_id": order.order_id, "text": text], options: [.sortedKeys])
        try host.publish("hello.greeting.sent", json: String(decoding: payload, as: UTF8.self))
        return .ok
    }

    /// `hello.greeting.compose` query: `{"name": "Ada"}` → `{"text": "Hello, Ada!"}`.
    func compose(_ query: IncomingEvent) throws -> String {
        struct Ask: Decodable { let name: String }
        let ask = try query.decode(Ask.self)
        let data = try JSONSerialization.data(withJSONObject: ["text": "\(greeting), \(ask.name)!"])
        return String(decoding: data, as: UTF8.self)
    }
}

extension Hello {
    /// `GET /api/hello/greetings/{name}` → `{"text": "Hello, Ada!"}`.
    func greet(_ request: HTTPRequest) throws -> HTTPAnswer {
        let name = request.pathParameters["name"] ?? "there"
        let data = try JSONSerialization.data(withJSONObject: ["text": "\(greeting), \(name)!"])
        return HTTPAnswer(body: Array(data))
    }

    /// `POST /api/hello/fail`: a handler that throws, to show the host's 500 answer.
    func fail(_ request: HTTPRequest) throws -> HTTPAnswer {
        throw PluginError("this route always fails (for tests)")
    }
}

@_cdecl("hello_http_greet")
public func hello_http_greet(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.route(ctx, req, resp, err) { (plugin: Hello, request) in try plugin.greet(request) }
}

@_cdecl("hello_http_fail")
public func hello_http_fail(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.route(ctx, req, resp, err) { (plugin: Hello, request) in try plugin.fail(request) }
}

@_cdecl("eop_plugin_entry")
public func eop_plugin_entry() -> UnsafeRawPointer {
    PluginExport.descriptor(for: Hello.self)
}

@_cdecl("hello_on_order_placed")
public func hello_on_order_placed(_ ctx: UnsafeMutableRawPointer?, _ event: UnsafeRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.handle(ctx, event, err) { (plugin: Hello, event) in try plugin.orderPlaced(event) }
}

@_cdecl("hello_compose")
public func hello_compose(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ reply: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.answer(ctx, query, reply, err) { (plugin: Hello, query) in try plugin.compose(query) }
}
