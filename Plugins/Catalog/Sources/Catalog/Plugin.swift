// The C entry points of the Catalog plugin: the descriptor, the price query and one
// export per route of Manifests/catalog.json (the names there are these symbols).
import EOPABI
import EOPSDK

@_cdecl("eop_plugin_entry")
public func eop_plugin_entry() -> UnsafeRawPointer {
    PluginExport.descriptor(for: Catalog.self)
}

@_cdecl("catalog_price_quote")
public func catalog_price_quote(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ reply: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    answerQuery(ctx, query, reply, err) { catalog, query in try catalog.quote(try JSON.object(query.payload)) }
}

@_cdecl("catalog_price_next_change")
public func catalog_price_next_change(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ reply: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    answerQuery(ctx, query, reply, err) { catalog, _ in try catalog.nextPriceChange() }
}

/// Answers a query; a `CatalogError` becomes the query's error (EOP_ERR_INVALID; "not found: …" for an unknown one).
private func answerQuery(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?,
                   _ body: @escaping (Catalog, IncomingEvent) throws -> Any) -> Int32 {
    PluginExport.answer(ctx, query, out, err) { (catalog: Catalog, query) in
        do {
            return JSON.text(try body(catalog, query))
        } catch let e as CatalogError {
            // Not EOP_ERR_NOT_FOUND: the host answers that when no plugin serves the topic at all.
            throw PluginError(e.status == 404 ? "not found: \(e.description)" : e.description, status: EOP_ERR_INVALID)
        }
    }
}

// The shop's read queries (Storefront): the public search, one active product by slug, the category tree.
@_cdecl("catalog_product_search")
public func catalog_product_search(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    answerQuery(ctx, query, out, err) { catalog, query in try catalog.search(try catalog.queryPairs(query.payload), publicOnly: true) }
}

@_cdecl("catalog_product_get")
public func catalog_product_get(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    answerQuery(ctx, query, out, err) { catalog, query in try catalog.activeProduct(slug: try JSON.object(query.payload).string("slug", max: 200)) }
}

@_cdecl("catalog_sample_load")
public func catalog_sample_load(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    answerQuery(ctx, query, out, err) { catalog, query in try catalog.loadSample(try JSON.object(query.payload)) }
}

@_cdecl("catalog_category_list")
public func catalog_category_list(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    answerQuery(ctx, query, out, err) { catalog, _ in try catalog.categoryTree() }
}

/// Runs a route; a `CatalogError` becomes its problem+json answer.
private func serve(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?,
                   _ body: (Catalog, HTTPRequest) throws -> HTTPAnswer) -> Int32 {
    PluginExport.route(ctx, req, resp, err) { (catalog: Catalog, request) in
        do { return try body(catalog, request) } catch let e as CatalogError { return e.answer }
    }
}

@_cdecl("catalog_http_search")
public func catalog_http_search(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.searchRoute($1, publicOnly: true) }
}

@_cdecl("catalog_http_products_list")
public func catalog_http_products_list(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.searchRoute($1, publicOnly: false) }
}

@_cdecl("catalog_http_product_create")
public func catalog_http_product_create(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.createProductRoute($1) }
}

@_cdecl("catalog_http_product_get")
public func catalog_http_product_get(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.getProductRoute($1) }
}

@_cdecl("catalog_http_product_update")
public func catalog_http_product_update(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.updateProductRoute($1) }
}

@_cdecl("catalog_http_product_archive")
public func catalog_http_product_archive(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.archiveProductRoute($1) }
}

@_cdecl("catalog_http_variant_create")
public func catalog_http_variant_create(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.addVariantRoute($1) }
}

@_cdecl("catalog_http_media_set")
public func catalog_http_media_set(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.setMediaRoute($1) }
}

@_cdecl("catalog_http_bundle_set")
public func catalog_http_bundle_set(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.setBundleRoute($1) }
}

@_cdecl("catalog_http_variant_update")
public func catalog_http_variant_update(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.updateVariantRoute($1) }
}

@_cdecl("catalog_http_variant_delete")
public func catalog_http_variant_delete(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.deleteVariantRoute($1) }
}

@_cdecl("catalog_http_tiers_set")
public func catalog_http_tiers_set(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.setTiersRoute($1) }
}

@_cdecl("catalog_http_flash_sale_create")
public func catalog_http_flash_sale_create(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.createFlashSaleRoute($1) }
}

@_cdecl("catalog_http_flash_sale_delete")
public func catalog_http_flash_sale_delete(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.deleteFlashSaleRoute($1) }
}

@_cdecl("catalog_http_quote")
public func catalog_http_quote(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.quoteRoute($1) }
}

@_cdecl("catalog_http_categories_list")
public func catalog_http_categories_list(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.categoriesRoute($1) }
}

@_cdecl("catalog_http_category_create")
public func catalog_http_category_create(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.createCategoryRoute($1) }
}

@_cdecl("catalog_http_category_update")
public func catalog_http_category_update(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.updateCategoryRoute($1) }
}

@_cdecl("catalog_http_category_delete")
public func catalog_http_category_delete(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.deleteCategoryRoute($1) }
}

@_cdecl("catalog_http_brands_list")
public func catalog_http_brands_list(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.brandsRoute($1) }
}

@_cdecl("catalog_http_brand_create")
public func catalog_http_brand_create(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.createBrandRoute($1) }
}

@_cdecl("catalog_http_brand_update")
public func catalog_http_brand_update(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.updateBrandRoute($1) }
}

@_cdecl("catalog_http_brand_delete")
public func catalog_http_brand_delete(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.deleteBrandRoute($1) }
}

@_cdecl("catalog_http_import")
public func catalog_http_import(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.importRoute($1) }
}

@_cdecl("catalog_http_export")
public func catalog_http_export(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.exportRoute($1) }
}
