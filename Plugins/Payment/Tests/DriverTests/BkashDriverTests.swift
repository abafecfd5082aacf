import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization
import Testing
import _CryptoExtras
@testable import PaymentDrivers

/// The bKash driver against a local fake of bKash's tokenized checkout (token grant/refresh,
/// create, execute, payment status, refund) and of Amazon SNS (the signing certificate and
/// the subscription URL), on 127.0.0.1. The fake checks what bKash checks (credentials, token,
/// fields) and signs notifications as SNS does, with its own key and certificate.
@Suite("bKash driver")
struct BkashDriverTests {
    @Test("start creates a payment at bKash and redirects to its bkashURL")
    func startRedirects() async throws {
        let fake = try await BkashFake.start()
        defer { fake.stop() }
        let harness = BkashHarness(fake: fake)

        let started = try await harness.run { d, c in try d.start(harness.request(amount: 125_050), context: c) }
        #expect(started.status == .pending)
        #expect(started.redirectURL == "https://sandbox.payment.bkash.com/redirect/tokenized/?paymentID=\(started.providerReference)")
        let created = try #require(fake.state.withLock { $0.created.first })
        #expect(created["mode"] == "0011")
        #expect(created["amount"] == "1250.50")
        #expect(created["currency"] == "BDT")
        #expect(created["intent"] == "sale")
        #expect(created["merchantInvoiceNumber"] == "pay-1")
        #expect(created["payerReference"] == "01770618575")
        #expect(created["callbackURL"] == "https://shop.example/api/payment/return/bkash")
        #expect(fake.state.withLock { $0.grants } == 1)
    }

    @Test("the return is verified with the payment status API, then execute captures once")
    func returnVerifiedThenCaptured() async throws {
        let fake = try await BkashFake.start()
        defer { fake.stop() }
        let harness = BkashHarness(fake: fake)
        let started = try await harness.run { d, c in try d.start(harness.request(amount: 125_050), context: c) }
        let payment = harness.reference(started.providerReference, amount: 125_050)
        fake.customerApproves(started.providerReference)

        let returned = try await harness.run { d, c in
            try d.handleReturn(query: [("paymentID", payment.providerReference), ("status", "success")], payment: payment, context: c)
        }
        #expect(returned.status == .authorized)
        #expect(fake.state.withLock { $0.statusQueries } == 1)

        let captured = try await harness.run { d, c in try d.capture(payment, amount: 125_050, idempotencyKey: "cap-1", context: c) }
        #expect(captured.captured)
        let trxID = try #require(captured.captureReference)
        #expect(fake.state.withLock { $0.payments[payment.providerReference]?.trxID } == trxID)
        #expect(fake.state.withLock { $0.executes } == 1)

        // A second return (or a repeated capture) reads "Completed" and moves no more money.
        let again = try await harness.run { d, c in
            try d.handleReturn(query: [("paymentID", payment.providerReference), ("status", "success")], payment: payment, context: c)
        }
        #expect(again.status == .captured)
        #expect(again.captureReference == trxID)
        let recapture = try await harness.run { d, c in try d.capture(payment, amount: 125_050, idempotencyKey: "cap-1", context: c) }
        #expect(recapture.captured && recapture.captureReference == trxID)
        #expect(fake.state.withLock { $0.executes } == 1)
        // One grant served every call.
        #expect(fake.state.withLock { $0.grants } == 1)
    }

    @Test("a tampered return is refused or captures nothing")
    func tamperedReturn() async throws {
        let fake = try await BkashFake.start()
        defer { fake.stop() }
        let harness = BkashHarness(fake: fake)
        let first = try await harness.run { d, c in try d.start(harness.request(amount: 10_000), context: c) }
        let second = try await harness.run { d, c in try d.start(harness.request(paymentID: "pay-2", amount: 99_900), context: c) }
        let payment = harness.reference(second.providerReference, amount: 99_900)

        // Another payment's paymentID pasted into this payment's return.
        let swapped = await harness.attempt { d, c in
            try d.handleReturn(query: [("paymentID", first.providerReference), ("status", "success")], payment: payment, context: c)
        }
        #expect(swapped.isRejected)
        // A status bKash never sends.
        let odd = await harness.attempt { d, c in
            try d.handleReturn(query: [("paymentID", payment.providerReference), ("status", "paid")], payment: payment, context: c)
        }
        #expect(odd.isRejected)
        // "status=success" typed by hand while the customer never approved: execute is refused
        // by bKash and nothing is captured.
        let forged = try await harness.run { d, c in
            try d.handleReturn(query: [("paymentID", payment.providerReference), ("status", "success")], payment: payment, context: c)
        }
        #expect(forged.status != .captured)
        let capture = try await harness.run { d, c in try d.capture(payment, amount: 99_900, idempotencyKey: "cap-2", context: c) }
        #expect(!capture.captured)
        #expect(fake.state.withLock { $0.payments[payment.providerReference]?.status } == "Initiated")
        // The customer canceled at bKash.
        let canceled = try await harness.run { d, c in
            try d.handleReturn(query: [("paymentID", payment.providerReference), ("status", "cancel")], payment: payment, context: c)
        }
        #expect(canceled.status == .canceled)
    }

    @Test("an amount bKash reports that differs from the payment's is refused before any execute")
    func amountMismatch() async throws {
        let fake = try await BkashFake.start()
        defer { fake.stop() }
        let harness = BkashHarness(fake: fake)
        let started = try await harness.run { d, c in try d.start(harness.request(amount: 1_250), context: c) }
        fake.customerApproves(started.providerReference)
        // Our record says 1,250.00 taka; bKash holds a 12.50 taka payment under this id.
        let payment = harness.reference(started.providerReference, amount: 125_000)

        let returned = await harness.attempt { d, c in
            try d.handleReturn(query: [("paymentID", payment.providerReference), ("status", "success")], payment: payment, context: c)
        }
        #expect(returned.isRejected)
        #expect(returned.message.contains("12.50") && returned.message.contains("1250.00"))
        let captured = await harness.attempt { d, c in try d.capture(payment, amount: 125_000, idempotencyKey: "cap-3", context: c) }
        #expect(captured.isRejected)
        #expect(fake.state.withLock { $0.executes } == 0)
    }

    @Test("a refund reaches bKash with the amount as a taka string, and an over-refund is declined")
    func refund() async throws {
        let fake = try await BkashFake.start()
        defer { fake.stop() }
        let harness = BkashHarness(fake: fake)
        let started = try await harness.run { d, c in try d.start(harness.request(amount: 125_050), context: c) }
        fake.customerApproves(started.providerReference)
        var payment = harness.reference(started.providerReference, amount: 125_050)
        let captured = try await harness.run { [payment] d, c in try d.capture(payment, amount: 125_050, idempotencyKey: "cap-4", context: c) }
        payment.captureReference = captured.captureReference

        let refunded = try await harness.run { [payment] d, c in
            try d.refund(payment, amount: 50_025, reason: "damaged", idempotencyKey: "ref-1", context: c)
        }
        #expect(refunded.status == .succeeded)
        let sent = try #require(fake.state.withLock { $0.refunds.first })
        #expect(sent["amount"] == "500.25")
        #expect(sent["paymentID"] == payment.providerReference)
        #expect(sent["trxID"] == captured.captureReference)
        #expect(sent["sku"] == "ref-1")
        #expect(sent["reason"] == "damaged")
        #expect(refunded.providerReference == fake.state.withLock { $0.refundTrxIDs.first })

        // 750.25 taka are left; bKash refuses 800.
        let over = await harness.attempt { [payment] d, c in
            try d.refund(payment, amount: 80_000, reason: "again", idempotencyKey: "ref-2", context: c)
        }
        #expect(over.isDeclined)
        #expect(fake.state.withLock { $0.refunds.count } == 1)
    }

    @Test("an SNS notification signed by the SNS certificate becomes a captured event; subscriptions are confirmed")
    func signedNotification() async throws {
        let fake = try await BkashFake.start()
        defer { fake.stop() }
        let harness = BkashHarness(fake: fake)

        for version in ["1", "2"] {
            let body = fake.sns.notification(id: "msg-v\(version)", message: BkashFake.paymentMessage(trxID: "TRX\(version)", amount: "1250.50"), version: version)
            let events = try await harness.run { d, c in try d.verifyWebhook(IncomingWebhook(headers: [("x-amz-sns-message-type", "Notification")], body: body), context: c) }
            #expect(events.count == 1)
            let event = try #require(events.first)
            #expect(event.eventID == "msg-v\(version)")
            #expect(event.kind == .captured)
            #expect(event.providerReference == "pay-1")
            #expect(event.amount == 125_050)
            #expect(event.captureReference == "TRX\(version)")
        }
        // The certificate was fetched once (cached), through the SNS host.
        #expect(fake.state.withLock { $0.certificateFetches } == 1)

        let subscription = fake.sns.subscriptionConfirmation(id: "msg-sub")
        let none = try await harness.run { d, c in try d.verifyWebhook(IncomingWebhook(headers: [], body: subscription), context: c) }
        #expect(none.isEmpty)
        #expect(fake.state.withLock { $0.subscriptionsConfirmed } == ["token-1"])
    }

    @Test("a tampered or foreign SNS message is refused")
    func tamperedNotification() async throws {
        let fake = try await BkashFake.start()
        defer { fake.stop() }
        let harness = BkashHarness(fake: fake)
        let genuine = fake.sns.notification(id: "msg-1", message: BkashFake.paymentMessage(trxID: "TRX1", amount: "1250.50"), version: "1")

        func verify(_ body: [UInt8], settings: [String: String] = [:]) async -> Result<[WebhookEvent], DriverError> {
            await harness.attempt(settings: settings) { d, c in try d.verifyWebhook(IncomingWebhook(headers: [], body: body), context: c) }
        }
        func edited(_ change: (inout [String: Any]) -> Void) -> [UInt8] {
            var object = try! JSONSerialization.jsonObject(with: Data(genuine)) as! [String: Any]
            change(&object)
            return Array(try! JSONSerialization.data(withJSONObject: object))
        }

        // The amount raised after signing.
        #expect(await verify(edited { $0["Message"] = BkashFake.paymentMessage(trxID: "TRX1", amount: "9999.00") }).isRejected)
        // Signature bytes that are not SNS's.
        #expect(await verify(edited { $0["Signature"] = Data(repeating: 7, count: 256).base64EncodedString() }).isRejected)
        // A certificate from anywhere but https://sns.<region>.amazonaws.com/….pem.
        #expect(await verify(edited { $0["SigningCertURL"] = "https://attacker.example/SimpleNotificationService-x.pem" }).isRejected)
        #expect(await verify(edited { $0["SigningCertURL"] = "http://sns.ap-southeast-1.amazonaws.com/SimpleNotificationService-x.pem" }).isRejected)
        #expect(await verify(edited { $0["SigningCertURL"] = "https://sns.ap-southeast-1.amazonaws.com.attacker.example/x.pem" }).isRejected)
        #expect(await verify(edited { $0["SignatureVersion"] = "3" }).isRejected)
        // Not an SNS message at all.
        #expect(await verify(Array(#"{"trxID":"TRX1","amount":"1250.50"}"#.utf8)).isRejected)
        // Signed, but from another topic than the configured one.
        #expect(await verify(genuine, settings: ["sns_topic_arn": "arn:aws:sns:ap-southeast-1:111111111111:someone-else"]).isRejected)
        // The untouched message verifies, with or without the topic setting.
        #expect(try await verify(genuine, settings: ["sns_topic_arn": BkashFake.SNS.topic]).get().count == 1)
        // A message signed by a key other than the certificate's.
        let forged = BkashFake.SNS.forger.notification(id: "msg-2", message: BkashFake.paymentMessage(trxID: "TRX2", amount: "1.00"), version: "1")
        #expect(await verify(forged).isRejected)
    }

    @Test("a missing setting is refused as notConfigured naming it")
    func missingSettings() async throws {
        let fake = try await BkashFake.start()
        defer { fake.stop() }
        let harness = BkashHarness(fake: fake)
        for name in ["app_key", "app_secret", "username", "password"] {
            let result = await harness.attempt(settings: [name: ""]) { d, c in try d.start(harness.request(amount: 100), context: c) }
            guard case .failure(.notConfigured(let message)) = result else {
                Issue.record("missing \(name): \(result)")
                continue
            }
            #expect(message.contains("'\(name)'"))
        }
        #expect(fake.state.withLock { $0.grants } == 0)
    }

    @Test("credentials never appear in error messages, even when the provider echoes them")
    func secretsStayOut() async throws {
        let fake = try await BkashFake.start()
        defer { fake.stop() }
        let harness = BkashHarness(fake: fake)
        var messages: [String] = []

        // Wrong password: the fake's refusal repeats every credential it received.
        let refused = await harness.attempt(settings: ["password": "wrong-pass-4711"]) { d, c in try d.start(harness.request(amount: 100), context: c) }
        #expect(refused.isDeclined)
        #expect(refused.message.contains("[redacted]"))
        messages.append(refused.message)
        // bKash unreachable.
        let unreachable = await harness.attempt(settings: ["base_url": "http://127.0.0.1:1/v1.2.0-beta"], deadlineMS: 1_000) { d, c in
            try d.start(harness.request(amount: 100), context: c)
        }
        guard case .failure(.unavailable) = unreachable else { Issue.record("\(unreachable)"); return }
        messages.append(unreachable.message)
        // A refusal of create.
        let zero = await harness.attempt { d, c in try d.start(harness.request(amount: 0), context: c) }
        messages.append(zero.message)

        for message in messages {
            for secret in BkashHarness.secrets + ["wrong-pass-4711"] {
                #expect(!message.contains(secret), "\(message) contains a credential")
            }
        }
    }

    @Test("an expired id_token is renewed with the refresh token, and a revoked one by a new grant")
    func tokenLifecycle() async throws {
        let fake = try await BkashFake.start()
        defer { fake.stop() }
        let harness = BkashHarness(fake: fake)
        _ = try await harness.run { d, c in try d.start(harness.request(amount: 100), context: c) }
        harness.clock.advance(by: 3_700)
        _ = try await harness.run { d, c in try d.start(harness.request(paymentID: "pay-2", amount: 100), context: c) }
        #expect(fake.state.withLock { ($0.grants, $0.refreshes) } == (1, 1))
        fake.state.withLock { $0.validTokens.removeAll() }
        _ = try await harness.run { d, c in try d.start(harness.request(paymentID: "pay-3", amount: 100), context: c) }
        #expect(fake.state.withLock { $0.created.count } == 3)
        #expect(fake.state.withLock { $0.refreshes + $0.grants } == 3)
    }

    @Test("taka strings and paisa convert without floating point")
    func amounts() {
        #expect(BDTAmount.decimalString(paisa: 125_050) == "1250.50")
        #expect(BDTAmount.decimalString(paisa: 5) == "0.05")
        #expect(BDTAmount.decimalString(paisa: 100) == "1.00")
        #expect(BDTAmount.paisa("1250.5") == 125_050)
        #expect(BDTAmount.paisa("15") == 1_500)
        #expect(BDTAmount.paisa("15.000") == 1_500)
        #expect(BDTAmount.paisa("0.07") == 7)
        #expect(BDTAmount.paisa("92233720368547758.07") == Int64.max)
        for bad in ["", "5.", "-1", "1e3", "1.005", "1,00", " 1", "92233720368547758.08"] {
            #expect(BDTAmount.paisa(bad) == nil, "\(bad)")
        }
    }
}

// MARK: - Harness

private struct BkashHarness: Sendable {
    static let secrets = ["sandboxTokenizedUser02", "sbx-password-Zq9!", "4f6o0cjiki2rfm34kfdadl1eqq", "2is7hdktrekvrbljjh44ll3d9l1dtjo4pasmjvs5vl5qr3fug4b"]
    let fake: BkashFake
    let driver = BkashDriver()
    let clock = BkashClock()

    var settings: [String: String] {
        ["base_url": fake.baseURL + "/v1.2.0-beta", "username": Self.secrets[0], "password": Self.secrets[1],
         "app_key": Self.secrets[2], "app_secret": Self.secrets[3]]
    }

    func context(_ overrides: [String: String], deadlineMS: UInt32 = 60_000) -> DriverContext {
        let fakeBase = fake.baseURL
        let clock = clock
        return DriverContext(settings: settings.merging(overrides) { $1 }, http: { request throws(DriverError) in
            // Amazon's SNS host resolves to the local fake here, as DNS would send it to AWS.
            var request = request
            // A generous deadline: this machine's two cores are shared with other builds.
            request.timeoutMS = deadlineMS
            let aws = "https://\(BkashFake.SNS.host)"
            if request.url.hasPrefix(aws + "/") { request.url = fakeBase + request.url.dropFirst(aws.count) }
            return try LoopbackTransport.send(request)
        }, now: { clock.now() }, returnURL: "https://shop.example/api/payment/return/bkash")
    }

    func request(paymentID: String = "pay-1", amount: Int64) -> StartRequest {
        StartRequest(paymentID: paymentID, orderID: "order-\(paymentID)", amount: amount, currency: "BDT", idempotencyKey: "idem-\(paymentID)",
                     customer: Customer(id: "c-1", email: "ann@example.test", name: "Ann", phone: "01770618575"))
    }

    func reference(_ providerReference: String, amount: Int64) -> PaymentReference {
        PaymentReference(paymentID: "pay-1", orderID: "order-pay-1", providerReference: providerReference, amount: amount, currency: "BDT")
    }

    /// Runs a blocking driver call off Swift's cooperative pool (the transport blocks its thread).
    func attempt<T: Sendable>(settings: [String: String] = [:], deadlineMS: UInt32 = 60_000,
                              _ body: @escaping @Sendable (BkashDriver, DriverContext) throws -> T) async -> Result<T, DriverError> {
        let driver = driver, context = context(settings, deadlineMS: deadlineMS)
        // A thread of its own: Dispatch's global queue adds threads about once a second when
        // its workers block, which serialises a suite of blocking calls.
        return await withCheckedContinuation { continuation in
            Thread {
                do {
                    continuation.resume(returning: .success(try body(driver, context)))
                } catch let error as DriverError {
                    continuation.resume(returning: .failure(error))
                } catch {
                    continuation.resume(returning: .failure(.unavailable("not a DriverError: \(error)")))
                }
            }.start()
        }
    }

    func run<T: Sendable>(_ body: @escaping @Sendable (BkashDriver, DriverContext) throws -> T) async throws -> T {
        try await attempt(body).get()
    }
}

/// The driver's clock, moved by the tests.
private final class BkashClock: Sendable {
    private let value = Mutex(Date())
    func now() -> Date { value.withLock { $0 } }
    func advance(by seconds: TimeInterval) { value.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

extension Result where Failure == DriverError {
    fileprivate var isRejected: Bool { if case .failure(.rejected) = self { true } else { false } }
    fileprivate var isDeclined: Bool { if case .failure(.declined) = self { true } else { false } }
    fileprivate var message: String {
        switch self {
        case .success: "no error"
        case .failure(let error): error.message
        }
    }
}

// MARK: - The fake

/// bKash's tokenized checkout as its documentation and sandbox answers describe it, plus the
/// two SNS URLs a notification points at.
private final class BkashFake: Sendable {
    struct Payment {
        var amount: String
        var invoice: String
        var status = "Initiated"
        var approved = false
        var trxID: String?
        var refunded: Int64 = 0
    }

    struct State {
        var grants = 0
        var refreshes = 0
        var validTokens: Set<String> = []
        var refreshTokens: Set<String> = []
        var created: [[String: String]] = []
        var payments: [String: Payment] = [:]
        var executes = 0
        var statusQueries = 0
        var refunds: [[String: String]] = []
        var refundTrxIDs: [String] = []
        var certificateFetches = 0
        var subscriptionsConfirmed: [String] = []
        var counter = 0
    }

    let state = Mutex(State())
    let sns: SNS
    private let server = Mutex<(baseURL: String, task: Task<Void, any Error>?)>(("", nil))

    private init(sns: SNS) {
        self.sns = sns
    }

    var baseURL: String { server.withLock { $0.baseURL } }

    func stop() { server.withLock { $0.task?.cancel() } }

    func customerApproves(_ paymentID: String) {
        state.withLock { $0.payments[paymentID]?.approved = true }
    }

    static func paymentMessage(trxID: String, amount: String) -> String {
        #"{"dateTime":"20250101120000","debitMSISDN":"8801770618575","creditOrganizationName":"EOP Shop","creditShortCode":"01929918***","trxID":"\#(trxID)","transactionStatus":"Completed","transactionType":"10002294","amount":"\#(amount)","currency":"BDT","transactionReference":"order-pay-1","merchantInvoiceNumber":"pay-1"}"#
    }

    static func start() async throws -> BkashFake {
        let f = BkashFake(sns: SNS.genuine)
        let router = Router(context: BasicRequestContext.self)
        let (ports, portSink) = AsyncStream<Int>.makeStream()

        // Tokens: username/password headers, app_key/app_secret body.
        router.post("/v1.2.0-beta/tokenized/checkout/token/grant") { request, _ in
            let body = try await Self.json(request)
            guard request.headers[HTTPField.Name("username")!] == BkashHarness.secrets[0],
                  request.headers[HTTPField.Name("password")!] == BkashHarness.secrets[1],
                  body["app_key"] == BkashHarness.secrets[2], body["app_secret"] == BkashHarness.secrets[3]
            else {
                // A careless provider echoing what it got: the driver must not pass it on.
                let echo = "\(request.headers[HTTPField.Name("username")!] ?? "") / \(request.headers[HTTPField.Name("password")!] ?? "") / \(body["app_key"] ?? "") / \(body["app_secret"] ?? "")"
                return Self.answer(["statusCode": "2079", "statusMessage": "Invalid username and password (\(echo))"])
            }
            return Self.answer(f.state.withLock { s in
                s.grants += 1
                return Self.issueToken(&s)
            })
        }
        router.post("/v1.2.0-beta/tokenized/checkout/token/refresh") { request, _ in
            let body = try await Self.json(request)
            return Self.answer(f.state.withLock { s in
                guard body["app_key"] == BkashHarness.secrets[2], let refresh = body["refresh_token"],
                      s.refreshTokens.contains(refresh) else { return ["statusCode": "2080", "statusMessage": "Invalid refresh token"] }
                s.refreshes += 1
                return Self.issueToken(&s)
            })
        }
        router.post("/v1.2.0-beta/tokenized/checkout/create") { request, _ in
            if let refusal = f.unauthorized(request) { return refusal }
            let body = try await Self.json(request)
            guard body["mode"] == "0011", body["currency"] == "BDT", body["intent"] == "sale",
                  let amount = body["amount"], let paisa = BDTAmount.paisa(amount), paisa > 0,
                  let invoice = body["merchantInvoiceNumber"], let callback = body["callbackURL"],
                  body["payerReference"] != nil
            else { return Self.answer(["statusCode": "2065", "statusMessage": "Mandatory field missing or invalid"]) }
            let id: String = f.state.withLock { s in
                s.counter += 1
                let id = "TR0011ON\(1_700_000_000 + s.counter)"
                s.created.append(body)
                s.payments[id] = Payment(amount: amount, invoice: invoice)
                return id
            }
            return Self.answer([
                "statusCode": "0000", "statusMessage": "Successful", "paymentID": id,
                "bkashURL": "https://sandbox.payment.bkash.com/redirect/tokenized/?paymentID=\(id)",
                "callbackURL": callback, "successCallbackURL": "\(callback)?paymentID=\(id)&status=success",
                "failureCallbackURL": "\(callback)?paymentID=\(id)&status=failure", "cancelledCallbackURL": "\(callback)?paymentID=\(id)&status=cancel",
                "amount": amount, "intent": "sale", "currency": "BDT", "transactionStatus": "Initiated", "merchantInvoiceNumber": invoice,
            ])
        }
        router.post("/v1.2.0-beta/tokenized/checkout/execute") { request, _ in
            if let refusal = f.unauthorized(request) { return refusal }
            let body = try await Self.json(request)
            return Self.answer(f.state.withLock { s -> [String: any Sendable] in
                guard let id = body["paymentID"], var payment = s.payments[id] else { return ["statusCode": "2056", "statusMessage": "Invalid Payment State"] }
                if payment.status == "Completed" { return ["statusCode": "2117", "statusMessage": "Payment execution already been called before"] }
                guard payment.approved else { return ["statusCode": "2056", "statusMessage": "Invalid Payment State"] }
                s.executes += 1
                s.counter += 1
                payment.status = "Completed"
                payment.trxID = "BFD\(s.counter)XYZ"
                s.payments[id] = payment
                return ["statusCode": "0000", "statusMessage": "Successful", "paymentID": id, "customerMsisdn": "01770618575",
                        "payerReference": "01770618575", "paymentExecuteTime": "2025-01-01T12:00:00:000 GMT+0600", "trxID": payment.trxID!,
                        "transactionStatus": "Completed", "amount": payment.amount, "currency": "BDT", "intent": "sale",
                        "merchantInvoiceNumber": payment.invoice]
            })
        }
        router.post("/v1.2.0-beta/tokenized/checkout/payment/status") { request, _ in
            if let refusal = f.unauthorized(request) { return refusal }
            let body = try await Self.json(request)
            return Self.answer(f.state.withLock { s -> [String: any Sendable] in
                s.statusQueries += 1
                guard let id = body["paymentID"], let payment = s.payments[id] else { return ["statusCode": "2014", "statusMessage": "Invalid Payment ID"] }
                var answer: [String: any Sendable] = ["statusCode": "0000", "statusMessage": "Successful", "paymentID": id, "mode": "0011",
                                             "payerReference": "01770618575", "amount": payment.amount, "currency": "BDT", "intent": "sale",
                                             "merchantInvoiceNumber": payment.invoice, "transactionStatus": payment.status]
                if let trx = payment.trxID { answer["trxID"] = trx }
                return answer
            })
        }
        router.post("/v1.2.0-beta/tokenized/checkout/payment/refund") { request, _ in
            if let refusal = f.unauthorized(request) { return refusal }
            let body = try await Self.json(request)
            return Self.answer(f.state.withLock { s -> [String: any Sendable] in
                guard let id = body["paymentID"], var payment = s.payments[id], payment.status == "Completed",
                      body["trxID"] == payment.trxID, let amountText = body["amount"],
                      let amount = BDTAmount.paisa(amountText), amount > 0, body["sku"] != nil, body["reason"] != nil
                else { return ["statusCode": "2071", "statusMessage": "Invalid refund request"] }
                guard amount <= BDTAmount.paisa(payment.amount)! - payment.refunded else {
                    return ["statusCode": "2074", "statusMessage": "Refund amount exceeds the refundable amount"]
                }
                payment.refunded += amount
                s.payments[id] = payment
                s.refunds.append(body)
                s.counter += 1
                let refundTrx = "RFD\(s.counter)ABC"
                s.refundTrxIDs.append(refundTrx)
                return ["statusCode": "0000", "statusMessage": "Successful", "completedTime": "2025-01-02T10:00:00:000 GMT+0600",
                        "transactionStatus": "Completed", "originalTrxID": payment.trxID!, "refundTrxID": refundTrx,
                        "amount": amountText, "currency": "BDT", "charge": "0.00"]
            })
        }
        // Amazon SNS: the signing certificate and the subscription confirmation URL.
        router.get("/SimpleNotificationService-eoptest.pem") { _, _ in
            f.state.withLock { $0.certificateFetches += 1 }
            return Response(status: .ok, headers: [.contentType: "application/x-pem-file"], body: .init(byteBuffer: ByteBuffer(string: f.sns.certificatePEM)))
        }
        router.get("/") { request, _ in
            let query = request.uri.queryParameters
            guard query["Action"] == "ConfirmSubscription", let token = query["Token"] else { return Response(status: .badRequest) }
            f.state.withLock { $0.subscriptionsConfirmed.append(String(token)) }
            return Response(status: .ok, headers: [.contentType: "text/xml"], body: .init(byteBuffer: ByteBuffer(string: "<ConfirmSubscriptionResponse/>")))
        }

        var logger = Logger(label: "bkash-fake")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in portSink.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw CancellationError() }
        f.server.withLock { $0 = ("http://127.0.0.1:\(port)", task) }
        return f
    }

    /// bKash answers 401 without a valid id_token and app key.
    private func unauthorized(_ request: Request) -> Response? {
        let token = request.headers[.authorization] ?? ""
        let valid = state.withLock { $0.validTokens.contains(token) }
        guard valid, request.headers[HTTPField.Name("x-app-key")!] == BkashHarness.secrets[2] else {
            return Self.answer(["message": "Unauthorized"], status: .unauthorized)
        }
        return nil
    }

    private static func issueToken(_ s: inout State) -> [String: any Sendable] {
        s.counter += 1
        let token = "id-token-\(s.counter)", refresh = "refresh-token-\(s.counter)"
        s.validTokens.insert(token)
        s.refreshTokens.insert(refresh)
        return ["statusCode": "0000", "statusMessage": "Successful", "id_token": token, "token_type": "Bearer",
                "expires_in": 3600, "refresh_token": refresh]
    }

    /// A request's JSON object, its string fields only (bKash's request fields are all strings).
    private static func json(_ request: Request) async throws -> [String: String] {
        var request = request
        let buffer = try await request.collectBody(upTo: 1 << 20)
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any]) ?? [:]
        return object.compactMapValues { $0 as? String }
    }

    private static func answer(_ object: [String: any Sendable], status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Amazon SNS's side: a key, a certificate for it, and messages signed as SNS signs them
    /// (the "Key\nValue\n" string of the documented keys, RSA PKCS#1 v1.5 over SHA-1 or SHA-256).
    struct SNS: Sendable {
        static let host = "sns.ap-southeast-1.amazonaws.com"
        static let topic = "arn:aws:sns:ap-southeast-1:797962984373:bpt_eoptest"
        let key: _RSA.Signing.PrivateKey
        let certificatePEM: String

        init() throws {
            key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            certificatePEM = try Self.selfSignedCertificate(key)
        }

        /// Amazon's identity in these tests, made once per test process.
        static let genuine = try! SNS()
        /// Someone signing SNS-shaped messages with a key the certificate does not hold.
        static let forger = try! SNS()

        func notification(id: String, message: String, version: String) -> [UInt8] {
            var fields: [String: String] = [
                "Type": "Notification", "MessageId": id, "TopicArn": Self.topic, "Message": message,
                "Timestamp": "2025-01-01T06:00:00.000Z", "SignatureVersion": version,
                "SigningCertURL": "https://\(Self.host)/SimpleNotificationService-eoptest.pem",
                "UnsubscribeURL": "https://\(Self.host)/?Action=Unsubscribe&SubscriptionArn=\(Self.topic):1",
            ]
            let canonical = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
                .compactMap { key in fields[key].map { "\(key)\n\($0)\n" } }.joined()
            fields["Signature"] = sign(canonical, version: version)
            return Array(try! JSONSerialization.data(withJSONObject: fields))
        }

        func subscriptionConfirmation(id: String) -> [UInt8] {
            var fields: [String: String] = [
                "Type": "SubscriptionConfirmation", "MessageId": id, "Token": "token-1", "TopicArn": Self.topic,
                "Message": "You have chosen to subscribe to the topic \(Self.topic).",
                "SubscribeURL": "https://\(Self.host)/?Action=ConfirmSubscription&TopicArn=\(Self.topic)&Token=token-1",
                "Timestamp": "2025-01-01T06:00:00.000Z", "SignatureVersion": "1",
                "SigningCertURL": "https://\(Self.host)/SimpleNotificationService-eoptest.pem",
            ]
            let canonical = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
                .compactMap { key in fields[key].map { "\(key)\n\($0)\n" } }.joined()
            fields["Signature"] = sign(canonical, version: "1")
            return Array(try! JSONSerialization.data(withJSONObject: fields))
        }

        private func sign(_ text: String, version: String) -> String {
            let data = Data(text.utf8)
            let signature = version == "2"
                ? try! key.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
                : try! key.signature(for: Insecure.SHA1.hash(data: data), padding: .insecurePKCS1v1_5)
            return signature.rawRepresentation.base64EncodedString()
        }

        /// A minimal self-signed X.509 v3 certificate (sha256WithRSAEncryption) in PEM.
        private static func selfSignedCertificate(_ key: _RSA.Signing.PrivateKey) throws -> String {
            func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
                let n = content.count
                let length: [UInt8] = n < 0x80 ? [UInt8(n)] : n < 0x100 ? [0x81, UInt8(n)] : [0x82, UInt8(n >> 8), UInt8(n & 0xFF)]
                return [tag] + length + content
            }
            let sha256WithRSA = tlv(0x30, [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B, 0x05, 0x00])
            let name = tlv(0x30, tlv(0x31, tlv(0x30, [0x06, 0x03, 0x55, 0x04, 0x03] + tlv(0x0C, Array("sns.amazonaws.com".utf8)))))
            let validity = tlv(0x30, tlv(0x17, Array("250101000000Z".utf8)) + tlv(0x17, Array("491231235959Z".utf8)))
            let tbs = tlv(0x30, tlv(0xA0, tlv(0x02, [0x02])) + tlv(0x02, [0x01]) + sha256WithRSA + name + validity + name
                + Array(key.publicKey.derRepresentation))
            let signature = try key.signature(for: SHA256.hash(data: tbs), padding: .insecurePKCS1v1_5).rawRepresentation
            let certificate = tlv(0x30, tbs + sha256WithRSA + tlv(0x03, [0x00] + Array(signature)))
            let base64 = Data(certificate).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
            return "-----BEGIN CERTIFICATE-----\n\(base64)\n-----END CERTIFICATE-----\n"
        }
    }
}

