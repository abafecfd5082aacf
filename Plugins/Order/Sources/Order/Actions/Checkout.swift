import EOPSDK
import Foundation

/// A checkout request: whose cart, the idempotency key, how to pay.
struct CheckoutRequest {
    var owner: Owner
    var key: String
    var paymentMethod: String
    var returnURL: String?
    /// The cart the customer saw, when the caller sends it: checking out any other cart
    /// (or version) is refused.
    var cartID: String?
    var cartVersion: Int64?

    /// The request's fingerprint under its key: the same key with another owner, method or
    /// return URL is another request.
    var requestHash: String { Order.sha256("v1\n\(owner.reference)\n\(paymentMethod)\n\(returnURL ?? "")") }

    /// Reads and checks the fields shared by the command and the HTTP route.
    init(owner: Owner, key: String?, keyField: String, body: JSONInput) throws(OrderError) {
        guard let key = key?.trimmingCharacters(in: .whitespaces), !key.isEmpty else {
            throw .invalid(keyField, "is required: send a unique key per checkout attempt (a UUID), and the same key when you retry it")
        }
        guard key.count <= 255, key.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value <= 0x7e }) else {
            throw .invalid(keyField, "must be 1 to 255 visible ASCII characters")
        }
        self.owner = owner
        self.key = key
        paymentMethod = try body.string("payment_method", max: 40)
        guard paymentMethod.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) else {
            throw .invalid("payment_method", "\"\(paymentMethod)\" is not a method id (lower-case letters, digits, _)")
        }
        returnURL = try body.optionalString("return_url", max: 2000)
        if let url = returnURL, !(url.hasPrefix("https://") || url.hasPrefix("http://") || url.hasPrefix("/")) {
            throw .invalid("return_url", "must be an http(s) URL or a path starting with /")
        }
        cartID = try body.optionalString("cart_id", max: 200)
        cartVersion = try body.optionalInt("cart_version")
    }
}

/// What a checkout answers: the order with its payment, and whether it is a repeat.
struct CheckoutAnswer {
    var body: [String: Any]
    /// 201, or the payment's problem status (503 Payment missing, 422 refused, 502 failed) with the order kept.
    var status: UInt16
    var replayed: Bool
    var paymentProblem: OrderError?
}

/// Checkout: the cart becomes an order in one transaction, exactly once per idempotency key.
extension Order {
    /// The idempotency row of a key.
    private struct StoredKey {
        var requestHash: String
        var cartID: String?
        var cartVersion: Int64?
        var orderID: String?
        var outcomeStatus: Int64
        var outcome: String?
    }

    private func storedKey(_ key: String) throws -> StoredKey? {
        guard let r = try sql.execute("SELECT request_hash, cart_id, cart_version, order_id::text AS order_id, outcome_status, outcome::text AS outcome FROM checkout_keys WHERE key = $1", key).first else {
            return nil
        }
        return StoredKey(requestHash: try r.requiredString("request_hash"), cartID: try r.string("cart_id"), cartVersion: try r.int64("cart_version"),
                         orderID: try r.string("order_id"), outcomeStatus: try r.requiredInt64("outcome_status"), outcome: try r.string("outcome"))
    }

    /// How long a claimed key may stay undecided before another request takes it over (the
    /// first checkout's process died between its two transactions).
    static let abandonedClaim = 120
    /// How long a repeat waits for the first request of its key to decide.
    static let repeatWait: TimeInterval = 30

    /// Places the order, or answers the first outcome of this key again.
    ///
    /// Rationale: a checkout claims its key in a short transaction of its own (outcome 0,
    /// "in progress"), asks Cart for the frozen cart with no transaction open, and writes
    /// the order and the key's outcome in a second transaction. No database connection is
    /// held while Cart and Catalog work, so checkouts run side by side (the module's pool has
    /// 4 connections). A concurrent request with the same key finds the claim and waits for
    /// its outcome, then answers it: 100 requests make one order and one call to Cart. A
    /// first attempt that fails before deciding (Cart missing, bad cart) gives the key back,
    /// so a retry may use it again.
    func checkout(_ request: CheckoutRequest, actor: String) throws -> CheckoutAnswer {
        if let stored = try storedKey(request.key), stored.outcomeStatus != 0 { return try replay(stored, request) }
        let claimed = try sql.transaction {
            // A claim left undecided for minutes belongs to a checkout that died: take it over.
            try sql.execute("DELETE FROM checkout_keys WHERE key = $1 AND outcome_status = 0 AND created_at < now() - make_interval(secs => $2)",
                            request.key, Self.abandonedClaim)
            return try sql.execute("INSERT INTO checkout_keys (key, request_hash) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                                   request.key, request.requestHash).affected == 1
        }
        guard claimed else { return try replay(try awaitOutcome(request), request) }
        let orderID: String
        do {
            let snapshot = try prepareCart(request.owner, cartID: request.cartID)
            if let id = request.cartID, id != snapshot.cartID {
                throw OrderError.conflict("cart_id", "you checked out cart '\(id)', but the cart of this \(request.owner.customerID == nil ? "guest" : "customer") is '\(snapshot.cartID)': review it and check out again")
            }
            if let version = request.cartVersion, version != snapshot.version {
                throw OrderError.conflict("cart_version", "the cart changed since you saw it (version \(version), now \(snapshot.version)): review it and check out again",
                                          extra: ["cart_version": snapshot.version])
            }
            orderID = try sql.transaction {
                let id = try placeOrder(snapshot, request, actor: actor)
                try sql.execute("UPDATE checkout_keys SET order_id = $2::uuid, cart_id = $3, cart_version = $4, outcome_status = 201 WHERE key = $1",
                                request.key, id, snapshot.cartID, snapshot.version)
                return id
            }
        } catch let refusal as OrderError where refusal.status == 409 {
            // A decided refusal (prices or cart changed) is this key's outcome: stored, so
            // concurrent and later repeats answer it too and never place at the new prices.
            var problem = refusal.extra.value
            problem["field"] = refusal.field
            problem["reason"] = refusal.reason
            try sql.execute("UPDATE checkout_keys SET outcome_status = 409, outcome = $2::jsonb WHERE key = $1", request.key, JSON.text(problem))
            throw refusal
        } catch {
            // Nothing was decided: the key is free again for a retry.
            try? sql.execute("DELETE FROM checkout_keys WHERE key = $1 AND outcome_status = 0", request.key)
            throw error
        }
        return try answer(orderID: orderID, request: request, replayed: false)
    }

    /// Waits while the first request of a key is deciding; its outcome, or a refusal
    /// asking to retry when it gave the key back or did not decide in time.
    private func awaitOutcome(_ request: CheckoutRequest) throws -> StoredKey {
        let deadline = Date().addingTimeInterval(Self.repeatWait)
        while true {
            guard let stored = try storedKey(request.key) else {
                throw OrderError.conflict("Idempotency-Key", "the first checkout with key '\(request.key)' did not finish and gave the key back; retry")
            }
            if stored.outcomeStatus != 0 { return stored }
            guard Date() < deadline else {
                throw OrderError.conflict("Idempotency-Key", "the key '\(request.key)' is being used by a checkout that has not finished; retry")
            }
            usleep(5_000)
        }
    }

    /// A repeat of a key: the same request gets the first outcome; another request is refused naming the key.
    private func replay(_ stored: StoredKey, _ request: CheckoutRequest) throws -> CheckoutAnswer {
        guard stored.requestHash == request.requestHash else {
            throw OrderError.unprocessable("Idempotency-Key", "the key '\(request.key)' was already used for a different checkout (another cart owner, payment method or return URL); use a new key for a new checkout")
        }
        if let id = request.cartID, let used = stored.cartID, id != used {
            throw OrderError.unprocessable("Idempotency-Key", "the key '\(request.key)' was already used for cart '\(used)', not '\(id)'; use a new key for a new checkout")
        }
        if let version = request.cartVersion, let used = stored.cartVersion, version != used {
            throw OrderError.unprocessable("Idempotency-Key", "the key '\(request.key)' was already used for version \(used) of the cart, not version \(version); use a new key for a new checkout")
        }
        if stored.outcomeStatus == 409 {
            let problem = JSON.parse(stored.outcome) as? [String: Any] ?? [:]
            var extra = problem
            extra.removeValue(forKey: "field")
            extra.removeValue(forKey: "reason")
            extra["replayed"] = true
            throw OrderError(409, field: problem["field"] as? String, problem["reason"] as? String ?? "refused", extra: extra)
        }
        guard let orderID = stored.orderID else {
            throw OrderError.conflict("Idempotency-Key", "the key '\(request.key)' is being used by a checkout that has not finished; retry")
        }
        return try answer(orderID: orderID, request: request, replayed: true)
    }

    /// Writes the order, its lines, grants for digital lines, the first history rows and
    /// `order.order.placed`, inside the caller's transaction.
    private func placeOrder(_ cart: CartSnapshot, _ request: CheckoutRequest, actor: String) throws -> String {
        guard !cart.items.isEmpty else { throw OrderError.unprocessable("cart", "the cart is empty") }
        guard cart.total >= 0 else { throw OrderError(502, "Cart's snapshot has a negative total (\(cart.total))") }
        let id = Self.newID()
        let sequence = try sql.execute("SELECT nextval('order_numbers') AS n").first?.requiredInt64("n") ?? 0
        let number = "\(settings.orderNumberPrefix)\(sequence)"
        try sql.execute("""
            INSERT INTO orders (id, number, cart_id, cart_version, customer_id, guest_token_hash, customer_email, customer_name, customer_phone,
                                currency, subtotal, discount, tax, shipping, total, adjustments, codes, shipping_address, billing_address, payment_method)
            VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::jsonb, $17::jsonb, $18::jsonb, $19::jsonb, $20)
            """, parameters: [.text(id), .text(number), .text(cart.cartID), .int(cart.version), request.owner.customerID.sqlValue,
                              request.owner.guestTokenHash.sqlValue, .text(cart.customerEmail), .text(cart.customerName), .text(cart.customerPhone),
                              .text(cart.currency), .int(cart.subtotal), .int(cart.discount), .int(cart.tax), .int(cart.shipping), .int(cart.total),
                              .text(cart.adjustments), .text(cart.codes), cart.shippingAddress.sqlValue, cart.billingAddress.sqlValue,
                              .text(request.paymentMethod)])
        var lineIDs: [String] = []
        for (position, line) in cart.items.enumerated() {
            let lineID = Self.newID()
            lineIDs.append(lineID)
            try sql.execute("""
                INSERT INTO order_lines (id, order_id, position, cart_line_id, kind, variant_id, sku, name, quantity, unit_price, total)
                VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                """, lineID, id, position, line.cartLineID, line.kind, line.variantID, line.sku, line.name, line.quantity, line.unitPrice, line.total)
            if line.kind == "digital" {
                try sql.execute("INSERT INTO download_grants (id, order_id, line_id, sku, download_limit) VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5)",
                                Self.newID(), id, lineID, line.sku, settings.downloadLimit)
            }
        }
        for machine in Machine.allCases {
            try history(id, machine, from: nil, to: machine.initial, reason: "order placed", actor: actor)
        }
        try publishPlaced(try order(id), snapshot: cart, lineIDs: lineIDs)
        return id
    }

    /// The order as checkout answers it, with its payment started (or its stored one).
    private func answer(orderID: String, request: CheckoutRequest, replayed: Bool) throws -> CheckoutAnswer {
        let outcome = try ensurePayment(orderID: orderID, returnURL: request.returnURL)
        return CheckoutAnswer(body: try checkoutBody(orderID, payment: outcome), status: outcome.problem?.status ?? 201,
                              replayed: replayed, paymentProblem: outcome.problem)
    }

    /// `{"order_id","number","status","payment_status","total","currency","payment"}` plus
    /// `payment_error` when Payment could not start it.
    func checkoutBody(_ orderID: String, payment: PaymentOutcome) throws -> [String: Any] {
        let o = try order(orderID, lock: false)
        var body: [String: Any] = ["order_id": o.id, "number": o.number, "status": o.status, "payment_status": o.paymentStatus,
                                   "fulfillment_status": o.fulfillmentStatus, "total": o.total, "currency": o.currency,
                                   "payment_method": o.paymentMethod, "payment": payment.json ?? NSNull()]
        if let problem = payment.problem { body["payment_error"] = ["status": Int(problem.status), "detail": problem.reason] }
        return body
    }
}

extension Order {
    /// `order.checkout.place`: owner + `idempotency_key`, `payment_method`, `return_url`?,
    /// `cart_id`?, `cart_version`? → the checkout body with `replayed`. The order is kept
    /// when Payment cannot start its payment: then `payment` is null and `payment_error`
    /// says why (`{"status": 503, "detail": "Payment is not active …"}`).
    func placeCommand(_ input: JSONInput) throws -> [String: Any] {
        let owner = try Owner.from(input)
        let request = try CheckoutRequest(owner: owner, key: try input.optionalString("idempotency_key", max: 1000), keyField: "idempotency_key", body: input)
        let answer = try checkout(request, actor: owner.actor)
        var body = answer.body
        body["replayed"] = answer.replayed
        return body
    }
}
