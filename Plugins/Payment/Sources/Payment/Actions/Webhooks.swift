import EOPSDK
import Foundation
import PaymentDrivers

/// `POST /api/payment/webhooks/{driver}` and `GET /api/payment/return/{driver}`: what
/// providers and returning customers tell the core.
///
/// A webhook is verified by its driver exactly as the provider documents (a bad signature
/// or an old timestamp answers 400 and changes nothing), then each event is acted on in
/// its own transaction that first records `(driver, provider event id)`: a redelivery finds
/// the row and changes nothing (answered 200, so the provider stops resending).
extension Payment {
    func receiveWebhook(driver driverID: String, _ request: HTTPRequest) throws -> HTTPAnswer {
        guard let registration = gateways[driverID] else {
            throw PaymentError.notFound("driver", "payment driver '\(driverID)'")
        }
        let events: [WebhookEvent]
        do {
            events = try registration.driver.verifyWebhook(IncomingWebhook(headers: request.headers, body: request.body, query: request.query),
                                                           context: context(registration))
        } catch .rejected(let message) {
            host.log(.warning, "webhook for \(driverID) refused: \(message)")
            return PaymentError.invalid("(signature)", message).answer
        } catch .unsupported(let message) {
            return PaymentError.notFound("driver", message).answer
        } catch .notConfigured(let message) {
            // Answered 503 so the provider delivers it again once the shop is configured.
            host.log(.error, "webhook for \(driverID) cannot be verified: \(message)")
            return PaymentError.unavailable(message).answer
        } catch {
            return PaymentError.unavailable(error.message).answer
        }
        var outcomes: [[String: Any]] = []
        for event in events {
            outcomes.append(["event_id": event.eventID, "outcome": try apply(event, driver: registration)])
        }
        return .json(object: ["received": events.count, "events": outcomes])
    }

    /// One verified event, once. Answers what it did (`duplicate`, `unknown payment`, `applied`).
    private func apply(_ event: WebhookEvent, driver registration: DriverRegistration) throws -> String {
        let driverID = registration.driver.id
        return try sql.transaction {
            let recorded = try sql.execute("""
                INSERT INTO webhook_events (driver, event_id, kind, outcome) VALUES ($1, $2, $3, 'received')
                ON CONFLICT (driver, event_id) DO NOTHING RETURNING event_id
                """, driverID, event.eventID, event.kind.rawValue)
            guard !recorded.isEmpty else { return "duplicate" }
            guard let paymentID = try sql.execute("""
                SELECT id::text FROM payments
                WHERE method = $1 AND ((provider_ref = $2 AND $2 <> '') OR (capture_ref = $3 AND $3 <> '')
                                       OR id::text = $2)  -- bKash names the payment by our id (merchantInvoiceNumber)
                ORDER BY created_at DESC LIMIT 1
                """, driverID, event.providerReference, event.captureReference ?? "").first?.requiredString("id") else {
                try sql.execute("UPDATE webhook_events SET outcome = 'unknown payment' WHERE driver = $1 AND event_id = $2", driverID, event.eventID)
                return "unknown payment"
            }
            var payment = try lockedPayment(paymentID)
            switch event.kind {
            case .authorized: try settleLocked(&payment, .authorized)
            case .captured: try settleLocked(&payment, .captured(captureRef: event.captureReference))
            case .failed: try settleLocked(&payment, .failed(event.failureReason ?? "\(driverID): the payment failed"))
            case .refunded: try syncRefund(&payment, event)
            case .disputeOpened, .disputeUpdated: try recordDispute(&payment, event, driver: driverID)
            }
            try sql.execute("UPDATE webhook_events SET payment_id = $3::uuid, outcome = $4 WHERE driver = $1 AND event_id = $2",
                            driverID, event.eventID, payment.id, "applied: payment \(payment.status)")
            return "applied"
        }
    }

    /// The customer is back from the provider's page: ask the driver what happened, apply it
    /// (capturing once if authorized) and send the customer on to the shop with the outcome.
    /// Anyone may call it: it only makes the core ask the provider, never trusts the query.
    func customerReturned(driver driverID: String, _ request: HTTPRequest) throws -> HTTPAnswer {
        guard let registration = gateways[driverID] else { throw PaymentError.notFound("driver", "payment driver '\(driverID)'") }
        let paymentID = try uuid(request.pathParameters["payment_id"] ?? request.queryValue("payment_id"), field: "payment_id", what: "payment")
        guard let payment = try payment(paymentID), payment.method == driverID else { throw PaymentError.notFound("payment_id", "\(driverID) payment '\(paymentID)'") }
        var after = payment
        if payment.status == "pending" || payment.status == "authorized" {
            do {
                let outcome = try registration.driver.handleReturn(query: Self.returnFields(request), payment: payment.reference,
                                                                   context: context(registration, paymentID: payment.id))
                switch outcome.status {
                case .authorized: after = try settle(paymentID, .authorized)
                case .captured: after = try settle(paymentID, .captured(captureRef: outcome.captureReference))
                case .failed: after = try settle(paymentID, .failed(outcome.failureReason ?? "\(driverID): the payment failed"))
                case .canceled: after = try settle(paymentID, .canceled(outcome.failureReason ?? "\(driverID): the customer canceled"))
                case .pending: break
                }
            } catch let error as DriverError {
                // The customer still goes back to the shop; the webhook will finish the job.
                host.log(.warning, "payment \(paymentID): \(driverID) return could not be checked: \(error.message)")
            }
        }
        return Self.redirect(to: shopURL(after))
    }

    /// The return's query, and the fields of the form when the provider posts the customer
    /// back (SSLCommerz does).
    static func returnFields(_ request: HTTPRequest) -> [(String, String)] {
        let type = request.headers.first { $0.0 == "content-type" }?.1.lowercased() ?? ""
        guard request.method == "POST", type.hasPrefix("application/x-www-form-urlencoded") else { return request.query }
        let form = String(decoding: request.body, as: UTF8.self).split(separator: "&").map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1).map { part in
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part)
            }
            return (parts.first ?? "", parts.count > 1 ? parts[1] : "")
        }
        return request.query + form.filter { !$0.0.isEmpty }
    }

    /// The shop page to send the customer to, with `payment_id` and `status` in the query.
    func shopURL(_ payment: PaymentRow) -> String {
        let base = payment.returnURL.flatMap { $0.isEmpty ? nil : $0 } ?? settings["shop_return_url"] ?? "/checkout/complete"
        var components = URLComponents(string: base) ?? URLComponents()
        var items = components.queryItems ?? []
        items.append(URLQueryItem(name: "payment_id", value: payment.id))
        items.append(URLQueryItem(name: "status", value: payment.status))
        components.queryItems = items
        return components.string ?? base
    }

    static func redirect(to url: String) -> HTTPAnswer {
        HTTPAnswer(status: 303, headers: [("location", url), ("cache-control", "no-store"), ("content-type", "text/plain; charset=utf-8")],
                   body: Array("See \(url)\n".utf8))
    }
}
