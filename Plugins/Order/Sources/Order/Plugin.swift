// The C entry points of the Order plugin: the descriptor, the command and queries, the
// payment fact handlers and one export per route of Manifests/order.json (the names
// there are these symbols).
import EOPABI
import EOPSDK

@_cdecl("eop_plugin_entry")
public func eop_plugin_entry() -> UnsafeRawPointer {
    PluginExport.descriptor(for: Order.self)
}

/// Answers a command or query; an `OrderError` becomes its error (409 → conflict, 503 →
/// unavailable, the rest invalid), with the message naming the field.
private func answerQuery(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?,
                         _ body: @escaping (Order, JSONInput) throws -> Any) -> Int32 {
    PluginExport.answer(ctx, query, out, err) { (order: Order, query) in
        do {
            return JSON.text(try body(order, try JSON.object(query.payload, emptyIsObject: false)))
        } catch let e as OrderError {
            throw PluginError(e.status == 404 ? "not found: \(e.description)" : e.description, status: e.eopStatus)
        }
    }
}

@_cdecl("order_checkout_place")
public func order_checkout_place(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    answerQuery(ctx, query, out, err) { order, input in try order.placeCommand(input) }
}

@_cdecl("order_checkout_quote")
public func order_checkout_quote(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    answerQuery(ctx, query, out, err) { order, input in try order.checkoutQuote(input) }
}

@_cdecl("order_customer_orders")
public func order_customer_orders(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    answerQuery(ctx, query, out, err) { order, input in try order.customerOrders(input) }
}

@_cdecl("order_order_get")
public func order_order_get(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    answerQuery(ctx, query, out, err) { order, input in try order.ownerOrder(input) }
}

// Payment's facts move the payment state machine (idempotently).
@_cdecl("order_on_payment_authorized")
public func order_on_payment_authorized(_ ctx: UnsafeMutableRawPointer?, _ event: UnsafeRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.handle(ctx, event, err) { (order: Order, event) in try order.onPaymentFact(event, kind: "authorized") }
}

@_cdecl("order_on_payment_captured")
public func order_on_payment_captured(_ ctx: UnsafeMutableRawPointer?, _ event: UnsafeRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.handle(ctx, event, err) { (order: Order, event) in try order.onPaymentFact(event, kind: "captured") }
}

@_cdecl("order_on_payment_failed")
public func order_on_payment_failed(_ ctx: UnsafeMutableRawPointer?, _ event: UnsafeRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.handle(ctx, event, err) { (order: Order, event) in try order.onPaymentFact(event, kind: "failed") }
}

@_cdecl("order_on_payment_refunded")
public func order_on_payment_refunded(_ ctx: UnsafeMutableRawPointer?, _ event: UnsafeRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.handle(ctx, event, err) { (order: Order, event) in try order.onPaymentFact(event, kind: "refunded") }
}

/// Runs a route; an `OrderError` becomes its problem+json answer.
private func serve(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?,
                   _ body: (Order, HTTPRequest) throws -> HTTPAnswer) -> Int32 {
    PluginExport.serve(ctx, req, resp, err) { (order: Order, request) in
        do { return try body(order, request) } catch let e as OrderError { return e.answer }
    }
}

@_cdecl("order_http_checkout")
public func order_http_checkout(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.checkoutRoute($1) }
}

@_cdecl("order_http_pay")
public func order_http_pay(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.payRoute($1) }
}

@_cdecl("order_http_my_orders")
public func order_http_my_orders(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.myOrdersRoute($1) }
}

@_cdecl("order_http_my_order")
public func order_http_my_order(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.myOrderRoute($1) }
}

@_cdecl("order_http_my_invoice")
public func order_http_my_invoice(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.myInvoiceRoute($1) }
}

@_cdecl("order_http_my_downloads")
public func order_http_my_downloads(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.myDownloadsRoute($1) }
}

@_cdecl("order_http_my_return")
public func order_http_my_return(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.myReturnRoute($1) }
}

@_cdecl("order_http_download")
public func order_http_download(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.downloadRoute($1) }
}

@_cdecl("order_http_orders")
public func order_http_orders(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.ordersRoute($1) }
}

@_cdecl("order_http_order")
public func order_http_order(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.orderRoute($1) }
}

@_cdecl("order_http_cancel")
public func order_http_cancel(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.cancelRoute($1) }
}

@_cdecl("order_http_complete")
public func order_http_complete(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.completeRoute($1) }
}

@_cdecl("order_http_fulfil")
public func order_http_fulfil(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.fulfilRoute($1) }
}

@_cdecl("order_http_ship")
public func order_http_ship(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.shipRoute($1) }
}

@_cdecl("order_http_deliver")
public func order_http_deliver(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.deliverRoute($1) }
}

@_cdecl("order_http_staff_return")
public func order_http_staff_return(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.staffReturnRoute($1) }
}

@_cdecl("order_http_returns")
public func order_http_returns(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.returnsRoute($1) }
}

@_cdecl("order_http_return_approve")
public func order_http_return_approve(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.moveReturnRoute($1, action: "approve") }
}

@_cdecl("order_http_return_reject")
public func order_http_return_reject(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.moveReturnRoute($1, action: "reject") }
}

@_cdecl("order_http_return_receive")
public func order_http_return_receive(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.moveReturnRoute($1, action: "receive") }
}

@_cdecl("order_http_return_refund")
public func order_http_return_refund(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.moveReturnRoute($1, action: "refund") }
}

@_cdecl("order_http_invoice_issue")
public func order_http_invoice_issue(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.issueInvoiceRoute($1) }
}

@_cdecl("order_http_invoice")
public func order_http_invoice(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.invoiceRoute($1) }
}

@_cdecl("order_http_invoices")
public func order_http_invoices(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.invoicesRoute($1) }
}

@_cdecl("order_http_asset_put")
public func order_http_asset_put(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.putAssetRoute($1) }
}

@_cdecl("order_http_assets")
public func order_http_assets(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.assetsRoute($1) }
}
