// The C entry points of the Storefront plugin: the descriptor and one export per route of
// Manifests/storefront.json (the names there are these symbols).
import EOPSDK

@_cdecl("eop_plugin_entry")
public func eop_plugin_entry() -> UnsafeRawPointer {
    PluginExport.descriptor(for: Storefront.self)
}

private func serve(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?,
                   _ body: (Storefront, HTTPRequest) throws -> HTTPAnswer) -> Int32 {
    PluginExport.route(ctx, req, resp, err, body)
}

/// The `inline_handler` of every cacheable page (manifest): a kept page from memory on the
/// server's event loop, or a pass to the page's own handler on a worker thread.
@_cdecl("storefront_kept")
public func storefront_kept(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.inlineRoute(ctx, req, resp, err) { (storefront: Storefront, request) in storefront.kept(request) }
}

@_cdecl("storefront_home")
public func storefront_home(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { storefront, request in try storefront.cached(request) { try storefront.home($0) } }
}

@_cdecl("storefront_category")
public func storefront_category(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { storefront, request in try storefront.cached(request) { try storefront.category($0) } }
}

@_cdecl("storefront_search")
public func storefront_search(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { storefront, request in try storefront.cached(request) { try storefront.search($0) } }
}

@_cdecl("storefront_product")
public func storefront_product(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { storefront, request in try storefront.cached(request) { try storefront.product($0) } }
}

@_cdecl("storefront_cart")
public func storefront_cart(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.cart($1) }
}

@_cdecl("storefront_cart_add")
public func storefront_cart_add(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.cartAdd($1) }
}

@_cdecl("storefront_checkout")
public func storefront_checkout(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.checkout($1) }
}

@_cdecl("storefront_account")
public func storefront_account(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.account($1) }
}

@_cdecl("storefront_signin")
public func storefront_signin(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.accountForm($1, signup: false) }
}

@_cdecl("storefront_signup")
public func storefront_signup(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.accountForm($1, signup: true) }
}

@_cdecl("storefront_wishlist")
public func storefront_wishlist(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.wishlist($1) }
}

@_cdecl("storefront_wishlist_change")
public func storefront_wishlist_change(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.changeList($1, Lists.wishlist) }
}

@_cdecl("storefront_compare")
public func storefront_compare(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.compare($1) }
}

@_cdecl("storefront_compare_change")
public func storefront_compare_change(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.changeList($1, Lists.compare) }
}

@_cdecl("storefront_sitemap")
public func storefront_sitemap(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { storefront, request in try storefront.cached(request) { try storefront.sitemap($0) } }
}

@_cdecl("storefront_robots")
public func storefront_robots(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { storefront, request in try storefront.cached(request) { try storefront.robots($0) } }
}

// Facts that change what the cached pages show (Manifests/storefront.json "subscribes").
@_cdecl("storefront_on_shop_changed")
public func storefront_on_shop_changed(_ ctx: UnsafeMutableRawPointer?, _ event: UnsafeRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.handle(ctx, event, err) { (storefront: Storefront, _) in
        storefront.pageCache.invalidate()
        return .ok
    }
}

@_cdecl("storefront_checkout_place")
public func storefront_checkout_place(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.placeOrder($1) }
}

@_cdecl("storefront_checkout_complete")
public func storefront_checkout_complete(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.checkoutComplete($1) }
}
