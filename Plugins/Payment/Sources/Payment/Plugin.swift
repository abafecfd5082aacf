// The C entry points of the Payment plugin: the descriptor, its commands, queries and hook,
// and one export per route of Manifests/payment.json (the names there are these symbols).
import EOPABI
import EOPSDK

@_cdecl("eop_plugin_entry")
public func eop_plugin_entry() -> UnsafeRawPointer {
    PluginExport.descriptor(for: Payment.self)
}

/// Answers a command or query; a `PaymentError` becomes its error (EOP_ERR_INVALID, or
/// EOP_ERR_UNAVAILABLE when a provider could not be reached) with the field named.
private func answerTopic(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?,
                         _ body: @escaping (Payment, IncomingEvent) throws -> Any) -> Int32 {
    PluginExport.answer(ctx, query, out, err) { (payment: Payment, query) in
        do {
            return JSON.text(try body(payment, query))
        } catch let e as PaymentError {
            throw e.pluginError
        }
    }
}

@_cdecl("payment_payment_start")
public func payment_payment_start(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    answerTopic(ctx, query, out, err) { payment, query in try payment.start(try JSON.object(query.payload)) }
}

@_cdecl("payment_refund_create")
public func payment_refund_create(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    answerTopic(ctx, query, out, err) { payment, query in try payment.createRefund(try JSON.object(query.payload), staff: query.source) }
}

@_cdecl("payment_method_list")
public func payment_method_list(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    answerTopic(ctx, query, out, err) { payment, _ in ["methods": try payment.methods()] }
}

@_cdecl("payment_payment_get")
public func payment_payment_get(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    answerTopic(ctx, query, out, err) { payment, query in try payment.getForModules(try JSON.object(query.payload)) }
}

/// The hook `cart.adjustments.collect`: gift cards among the cart's codes.
@_cdecl("payment_hook_cart_adjustments")
public func payment_hook_cart_adjustments(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    answerTopic(ctx, query, out, err) { payment, query in try payment.giftCardAdjustments(try JSON.object(query.payload)) }
}

/// Runs a route; a `PaymentError` becomes its problem+json answer.
private func serve(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?,
                   _ body: (Payment, HTTPRequest) throws -> HTTPAnswer) -> Int32 {
    PluginExport.route(ctx, req, resp, err) { (payment: Payment, request) in
        do { return try body(payment, request) } catch let e as PaymentError { return e.answer }
    }
}

@_cdecl("payment_http_webhook")
public func payment_http_webhook(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.webhookRoute($1) }
}

@_cdecl("payment_http_return")
public func payment_http_return(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.returnRoute($1) }
}

@_cdecl("payment_http_methods")
public func payment_http_methods(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.methodsRoute($1) }
}

@_cdecl("payment_http_list")
public func payment_http_list(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.listRoute($1) }
}

@_cdecl("payment_http_get")
public func payment_http_get(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.getRoute($1) }
}

@_cdecl("payment_http_capture")
public func payment_http_capture(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.captureRoute($1) }
}

@_cdecl("payment_http_refund")
public func payment_http_refund(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.refundRoute($1) }
}

@_cdecl("payment_http_bank_transfer_confirm")
public func payment_http_bank_transfer_confirm(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.bankTransferConfirmRoute($1) }
}

@_cdecl("payment_http_disputes")
public func payment_http_disputes(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.disputesRoute($1) }
}

@_cdecl("payment_http_gift_card_issue")
public func payment_http_gift_card_issue(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.giftCardIssueRoute($1) }
}

@_cdecl("payment_http_gift_card_get")
public func payment_http_gift_card_get(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve(ctx, req, resp, err) { try $0.giftCardGetRoute($1) }
}
