import EOPSDK
import Foundation

/// The HTTP side: each route of Manifests/order.json reads its request, calls an action
/// and answers JSON (HTML for invoices, the file for downloads). An `OrderError` is
/// answered as problem+json naming the field; any other error (a failed SQL statement)
/// becomes the host's 500 with the message in its log.
extension Order {
    func json(_ value: Any, status: UInt16 = 200) -> HTTPAnswer {
        HTTPAnswer(status: status, headers: [("content-type", "application/json")], body: Array(JSON.data(value)))
    }

    /// Who acts, for history rows.
    func staffActor(_ r: HTTPRequest) -> String { "staff:\(r.principalID)" }

    /// The caller as an order owner, or 401.
    func requireOwner(_ r: HTTPRequest, body: JSONInput? = nil) throws -> Owner {
        guard let owner = try Owner.from(r, body: body) else {
            throw OrderError(401, field: "cart_token", "sign in, or send the guest cart's token (cookie sf_cart, header x-cart-token or body cart_token)")
        }
        return owner
    }

    // MARK: Checkout and payment (customers and guests)

    /// `POST /api/order/checkout` with `Idempotency-Key`.
    func checkoutRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let body = try JSON.object(r.body)
        let key = r.headers.first { $0.0 == "idempotency-key" }?.1
        guard key != nil else {
            throw OrderError.invalid("Idempotency-Key", "the header is required: send a unique key per checkout attempt (a UUID), and the same key when you retry it")
        }
        let owner = try requireOwner(r, body: body)
        return checkoutHTTP(try checkout(try CheckoutRequest(owner: owner, key: key, keyField: "Idempotency-Key", body: body), actor: owner.actor))
    }

    /// `POST /api/order/orders/{id}/pay`.
    func payRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let body = try JSON.object(r.body)
        return checkoutHTTP(try pay(orderID: try pathID(r.pathParameters["id"], "order"), owner: try Owner.from(r, body: body), body: body))
    }

    /// 201/200 with the order and payment; when Payment could not start it, its problem
    /// (503 missing, 422 refused, 502 failed) carrying the kept order.
    private func checkoutHTTP(_ answer: CheckoutAnswer) -> HTTPAnswer {
        var result: HTTPAnswer
        if var problem = answer.paymentProblem {
            var extra = problem.extra.value
            extra["order"] = answer.body
            problem.extra = JSONObject(extra)
            result = problem.answer
        } else {
            result = json(answer.body, status: answer.status)
        }
        if answer.replayed { result.headers.append(("idempotent-replayed", "true")) }
        return result
    }

    // MARK: The owner's orders

    func myOrdersRoute(_ r: HTTPRequest) throws -> HTTPAnswer { json(try listOrders(r.query, only: try requireOwner(r))) }

    /// An order of the caller's (404 for anyone else's: its existence is not told).
    private func ownOrder(_ r: HTTPRequest) throws -> (String, Owner) {
        let owner = try requireOwner(r)
        let id = try pathID(r.pathParameters["id"], "order")
        guard try order(id, lock: false).belongs(to: owner) else { throw OrderError.notFound("order '\(id)'") }
        return (id, owner)
    }

    func myOrderRoute(_ r: HTTPRequest) throws -> HTTPAnswer { json(try orderJSON(try ownOrder(r).0, staff: false)) }
    func myInvoiceRoute(_ r: HTTPRequest) throws -> HTTPAnswer { .html(try invoiceHTML(orderID: try ownOrder(r).0)) }

    func myDownloadsRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let (id, owner) = try ownOrder(r)
        return json(try downloadLinks(orderID: id, owner: owner))
    }

    func myReturnRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let (id, owner) = try ownOrder(r)
        return json(try returnJSON(try requestReturn(orderID: id, owner: owner, try JSON.object(r.body), actor: owner.actor)), status: 201)
    }

    func downloadRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        try download(grant: r.pathParameters["grant"], expires: r.queryValue("expires"), signature: r.queryValue("signature"))
    }

    // MARK: Staff

    func ordersRoute(_ r: HTTPRequest) throws -> HTTPAnswer { json(try listOrders(r.query)) }
    func orderRoute(_ r: HTTPRequest) throws -> HTTPAnswer { json(try orderJSON(try pathID(r.pathParameters["id"], "order"), staff: true)) }

    func cancelRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let id = try pathID(r.pathParameters["id"], "order")
        try cancel(orderID: id, try JSON.object(r.body), actor: staffActor(r))
        return json(try orderJSON(id, staff: true))
    }

    func completeRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let id = try pathID(r.pathParameters["id"], "order")
        try complete(orderID: id, actor: staffActor(r))
        return json(try orderJSON(id, staff: true))
    }

    func fulfilRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let id = try pathID(r.pathParameters["id"], "order")
        let body = try JSON.object(r.body)
        let fulfillment = try createFulfillment(orderID: id, body, actor: staffActor(r))
        if try body.optionalBool("ship") == true { _ = try shipFulfillment(fulfillment, body, actor: staffActor(r)) }
        var answer = try orderJSON(id, staff: true)
        answer["fulfillment_id"] = fulfillment
        return json(answer, status: 201)
    }

    func shipRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        json(try orderJSON(try shipFulfillment(try pathID(r.pathParameters["id"], "fulfilment"), try JSON.object(r.body), actor: staffActor(r)), staff: true))
    }

    func deliverRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        json(try orderJSON(try deliverFulfillment(try pathID(r.pathParameters["id"], "fulfilment"), actor: staffActor(r)), staff: true))
    }

    func staffReturnRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let id = try pathID(r.pathParameters["id"], "order")
        return json(try returnJSON(try requestReturn(orderID: id, owner: nil, try JSON.object(r.body), actor: staffActor(r))), status: 201)
    }

    func returnsRoute(_ r: HTTPRequest) throws -> HTTPAnswer { json(try listReturns(status: r.queryValue("status"))) }

    func moveReturnRoute(_ r: HTTPRequest, action: String) throws -> HTTPAnswer {
        let id = try pathID(r.pathParameters["id"], "return")
        if action == "refund" {
            try refundReturn(id, try JSON.object(r.body), actor: staffActor(r))
        } else {
            try moveReturn(id, action: action, try JSON.object(r.body), actor: staffActor(r))
        }
        return json(try returnJSON(id))
    }

    func issueInvoiceRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let (invoice, created) = try issueInvoiceRoute(orderID: try pathID(r.pathParameters["id"], "order"), actor: staffActor(r))
        return json(invoice, status: created ? 201 : 200)
    }

    func invoiceRoute(_ r: HTTPRequest) throws -> HTTPAnswer { .html(try invoiceHTML(orderID: try pathID(r.pathParameters["id"], "order"))) }

    func invoicesRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let rows = try sql.execute("""
            SELECT coalesce(json_agg(json_build_object('id', i.id, 'number', i.number, 'sequence', i.sequence, 'order_id', i.order_id,
                   'order_number', o.number, 'total', o.total, 'currency', o.currency, 'issued_at', \(Self.utc("i.issued_at"))) ORDER BY i.sequence), '[]')::text AS j
            FROM invoices i JOIN orders o ON o.id = i.order_id
            """)
        return json(["invoices": JSON.parse(try rows.first?.string("j")) ?? []])
    }

    func putAssetRoute(_ r: HTTPRequest) throws -> HTTPAnswer { json(try putAsset(sku: r.pathParameters["sku"] ?? "", r)) }
    func assetsRoute(_ r: HTTPRequest) throws -> HTTPAnswer { json(try assets()) }
}
