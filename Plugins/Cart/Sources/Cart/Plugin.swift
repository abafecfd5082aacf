// The C entry points of the Cart plugin: the descriptor, the queries and commands it
// answers, the order fact it follows and one export per route of Manifests/cart.json
// (the names there are these symbols).
import EOPABI
import EOPSDK

@_cdecl("eop_plugin_entry")
public func eop_plugin_entry() -> UnsafeRawPointer {
    PluginExport.descriptor(for: Cart.self)
}

/// Answers a command or query; a `CartError` becomes its status and message.
private func answerCall(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?,
                        _ body: @escaping (Cart, JSONInput) throws -> [String: Any]) -> Int32 {
    PluginExport.answer(ctx, query, out, err) { (cart: Cart, query) in
        do {
            return JSON.text(try body(cart, try JSON.object(query.payload, emptyIsObject: true)))
        } catch let e as CartError {
            throw PluginError(e.message, status: e.abiStatus)
        }
    }
}

@_cdecl("cart_cart_get")
public func cart_cart_get(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    answerCall(ctx, query, out, err) { cart, input in try cart.cartView(try Owner.read(input)) }
}

@_cdecl("cart_item_add")
public func cart_item_add(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    answerCall(ctx, query, out, err) { cart, input in try cart.addItem(try Owner.read(input), input, allowFee: true) }
}

@_cdecl("cart_checkout_prepare")
public func cart_checkout_prepare(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    answerCall(ctx, query, out, err) { cart, input in try cart.prepare(try Owner.read(input)) }
}

@_cdecl("cart_address_set")
public func cart_address_set(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    answerCall(ctx, query, out, err) { cart, input in try cart.setAddressCommand(input) }
}

@_cdecl("cart_on_order_placed")
public func cart_on_order_placed(_ ctx: UnsafeMutableRawPointer?, _ event: UnsafeRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.handle(ctx, event, err) { (cart: Cart, event) in
        do { return try cart.orderPlaced(event) } catch let e as SQLError { return .retry(e.description) }
    }
}

/// Runs a route; a `CartError` becomes its problem+json answer.
private func serve(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?,
                   _ body: (Cart, HTTPRequest) throws -> HTTPAnswer) -> Int32 {
    PluginExport.route(ctx, req, resp, err) { (cart: Cart, request) in
        do { return try body(cart, request) } catch let e as CartError { return e.answer }
    }
}

@_cdecl("cart_http_get")
public func cart_http_get(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.getRoute($1) }
}

@_cdecl("cart_http_item_add")
public func cart_http_item_add(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.addItemRoute($1) }
}

@_cdecl("cart_http_item_update")
public func cart_http_item_update(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.updateItemRoute($1) }
}

@_cdecl("cart_http_item_remove")
public func cart_http_item_remove(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.removeItemRoute($1) }
}

@_cdecl("cart_http_address_set")
public func cart_http_address_set(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.addressRoute($1) }
}

@_cdecl("cart_http_code_add")
public func cart_http_code_add(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.addCodeRoute($1) }
}

@_cdecl("cart_http_code_remove")
public func cart_http_code_remove(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.removeCodeRoute($1) }
}

@_cdecl("cart_http_merge")
public func cart_http_merge(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.mergeRoute($1) }
}

@_cdecl("cart_http_prepare")
public func cart_http_prepare(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.prepareRoute($1) }
}

@_cdecl("cart_http_express")
public func cart_http_express(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.expressRoute($1) }
}

@_cdecl("cart_http_preferences_get")
public func cart_http_preferences_get(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.preferencesRoute($1) }
}

@_cdecl("cart_http_preferences_set")
public func cart_http_preferences_set(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.setPreferencesRoute($1) }
}

@_cdecl("cart_http_tax_rates_get")
public func cart_http_tax_rates_get(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.taxRatesRoute($1) }
}

@_cdecl("cart_http_tax_rates_set")
public func cart_http_tax_rates_set(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.setTaxRatesRoute($1) }
}

@_cdecl("cart_http_cart_show")
public func cart_http_cart_show(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.showCartRoute($1) }
}

@_cdecl("cart_http_fee_add")
public func cart_http_fee_add(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.addFeeRoute($1) }
}
