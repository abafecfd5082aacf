import EOPSDK
import Foundation

/// The HTTP side: each route of Manifests/payment.json reads its request, calls an action
/// and answers JSON. A `PaymentError` is answered as problem+json naming the field; any
/// other error (a failed SQL statement) becomes the host's 500 with the message in its log.
extension Payment {
    func answer(_ value: Any, status: UInt16 = 200) -> HTTPAnswer {
        HTTPAnswer(status: status, headers: [("content-type", "application/json")], body: Array(JSON.data(value)))
    }

    func webhookRoute(_ r: HTTPRequest) throws -> HTTPAnswer { try receiveWebhook(driver: r.pathParameters["driver"] ?? "", r) }

    func returnRoute(_ r: HTTPRequest) throws -> HTTPAnswer { try customerReturned(driver: r.pathParameters["driver"] ?? "", r) }

    func methodsRoute(_ r: HTTPRequest) throws -> HTTPAnswer { answer(["methods": try methods()]) }

    func listRoute(_ r: HTTPRequest) throws -> HTTPAnswer { answer(try listPayments(r.query)) }

    func getRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        answer(try paymentDetail(try uuid(r.pathParameters["id"], field: "id", what: "payment")))
    }

    func captureRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let id = try uuid(r.pathParameters["id"], field: "id", what: "payment")
        _ = try staffCapture(id)
        return answer(try paymentDetail(id))
    }

    /// The body's `idempotency_key`, or the `Idempotency-Key` header.
    func refundRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        var body = try JSON.object(r.body).object
        body["payment_id"] = try uuid(r.pathParameters["id"], field: "id", what: "payment")
        if body["idempotency_key"] == nil, let header = r.headers.first(where: { $0.0 == "idempotency-key" })?.1 { body["idempotency_key"] = header }
        return answer(try createRefund(JSONInput(object: body, path: ""), staff: r.principalID), status: 201)
    }

    func bankTransferConfirmRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let payment = try confirmBankTransfer(try JSON.object(r.body), staff: r.principalID)
        return answer(try paymentDetail(payment.id))
    }

    func disputesRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let status = r.queryValue("status")?.nilIfEmpty
        let paymentID = try r.queryValue("payment_id")?.nilIfEmpty.map { text throws(PaymentError) in try uuid(text, field: "payment_id", what: "payment") }
        return answer(try disputes(status: status, paymentID: paymentID))
    }

    func giftCardIssueRoute(_ r: HTTPRequest) throws -> HTTPAnswer { answer(try issueGiftCard(try JSON.object(r.body), staff: r.principalID), status: 201) }

    func giftCardGetRoute(_ r: HTTPRequest) throws -> HTTPAnswer { answer(try giftCard(code: r.pathParameters["code"] ?? "")) }
}
