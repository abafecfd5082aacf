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

/// The Nagad driver against a local fake of Nagad's merchant checkout API (initialize,
/// complete, verify) on 127.0.0.1. The fake holds Nagad's own key pair and the merchant's
/// public key: it decrypts the merchant's sensitiveData, checks the merchant's SHA256withRSA
/// signature and the challenge, and encrypts and signs its answers as Nagad does.
@Suite("Nagad driver")
struct NagadDriverTests {
    @Test("start initializes and completes at Nagad, then redirects to Nagad's page")
    func startRedirects() async throws {
        let fake = try await NagadFake.start()
        defer { fake.stop() }
        let harness = try NagadHarness(fake: fake)

        let started = try await harness.run { d, c in try d.start(harness.request(amount: 125_050), context: c) }
        #expect(started.status == .pending)
        #expect(started.redirectURL == "https://sandbox-ssl.mynagad.com:10060/check-out/\(started.providerReference)")
        let seen = fake.state.withLock { $0 }
        // What the fake decrypted and verified, as Nagad would.
        #expect(seen.verifiedSignatures == 2)
        let initialize = try #require(seen.initialized.first)
        #expect(initialize["merchantId"] == NagadHarness.merchantID)
        #expect(initialize["orderId"] == "pay1")
        #expect(initialize["datetime"]?.count == 14)
        #expect((initialize["challenge"]?.count ?? 0) >= 20)
        let complete = try #require(seen.completed.first)
        #expect(complete["amount"] == "1250.50")
        #expect(complete["currencyCode"] == "050")
        #expect(complete["orderId"] == "pay1")
        #expect(seen.callbackURLs == ["https://shop.example/api/payment/return/nagad"])
        #expect(seen.headers.allSatisfy { $0 == ["v-0.2.0", "103.100.200.100", "PC_WEB"] })
    }

    @Test("the return is verified with Nagad's verify API and captured")
    func returnVerified() async throws {
        let fake = try await NagadFake.start()
        defer { fake.stop() }
        let harness = try NagadHarness(fake: fake)
        let started = try await harness.run { d, c in try d.start(harness.request(amount: 125_050), context: c) }
        let payment = harness.reference(started.providerReference, amount: 125_050)
        let issuer = fake.customerPays(started.providerReference)

        let returned = try await harness.run { d, c in try d.handleReturn(query: harness.callbackQuery(payment, status: "Success"), payment: payment, context: c) }
        #expect(returned.status == .captured)
        #expect(returned.captureReference == issuer)
        let captured = try await harness.run { d, c in try d.capture(payment, amount: 125_050, idempotencyKey: "cap-1", context: c) }
        #expect(captured.captured && captured.captureReference == issuer)
        #expect(fake.state.withLock { $0.verifies } == 2)
    }

    @Test("a tampered return is refused or captures nothing")
    func tamperedReturn() async throws {
        let fake = try await NagadFake.start()
        defer { fake.stop() }
        let harness = try NagadHarness(fake: fake)
        let first = try await harness.run { d, c in try d.start(harness.request(paymentID: "pay-1", amount: 1_000), context: c) }
        let second = try await harness.run { d, c in try d.start(harness.request(paymentID: "pay-2", amount: 99_900), context: c) }
        _ = fake.customerPays(first.providerReference)
        let payment = NagadHarness.reference(paymentID: "pay-2", second.providerReference, amount: 99_900)

        // The paid payment's reference pasted into the unpaid one's return.
        var swapped = harness.callbackQuery(payment, status: "Success")
        swapped.removeAll { $0.0 == "payment_ref_id" }
        swapped.append(("payment_ref_id", first.providerReference))
        let swappedQuery = swapped
        let swappedResult = await harness.attempt { d, c in try d.handleReturn(query: swappedQuery, payment: payment, context: c) }
        #expect(swappedResult.isRejected)
        #expect(await harness.attempt { d, c in try d.handleReturn(query: [("status", "Success")], payment: payment, context: c) }.isRejected)
        var otherOrder = harness.callbackQuery(payment, status: "Success")
        otherOrder.removeAll { $0.0 == "order_id" }
        otherOrder.append(("order_id", "pay1"))
        let otherOrderQuery = otherOrder
        let otherOrderResult = await harness.attempt { d, c in try d.handleReturn(query: otherOrderQuery, payment: payment, context: c) }
        #expect(otherOrderResult.isRejected)

        // "status=Success" typed by hand: Nagad's verify says it is not paid.
        let forged = try await harness.run { d, c in try d.handleReturn(query: harness.callbackQuery(payment, status: "Success"), payment: payment, context: c) }
        #expect(forged.status == .pending)
        let capture = try await harness.run { d, c in try d.capture(payment, amount: 99_900, idempotencyKey: "cap-2", context: c) }
        #expect(!capture.captured)

        fake.customerAborts(second.providerReference)
        let aborted = try await harness.run { d, c in try d.handleReturn(query: harness.callbackQuery(payment, status: "Aborted"), payment: payment, context: c) }
        #expect(aborted.status == .canceled)
    }

    @Test("signatures are checked both ways: a bad signature from either side is refused")
    func badSignatures() async throws {
        let fake = try await NagadFake.start()
        defer { fake.stop() }
        let harness = try NagadHarness(fake: fake)

        // Nagad's answer signed by someone else: the driver refuses it.
        fake.state.withLock { $0.signAnswersWithForeignKey = true }
        let forgedAnswer = await harness.attempt { d, c in try d.start(harness.request(amount: 1_000), context: c) }
        #expect(forgedAnswer.isRejected)
        #expect(forgedAnswer.message.contains("signature"))
        #expect(fake.state.withLock { $0.completed.isEmpty })
        fake.state.withLock { $0.signAnswersWithForeignKey = false }

        // The merchant's request signed with a key Nagad does not know: Nagad refuses it.
        let stranger = NagadFake.Keys.shared.foreign
        let wrongKey = await harness.attempt(settings: ["merchant_private_key": stranger.pemRepresentation]) { d, c in
            try d.start(harness.request(amount: 1_000), context: c)
        }
        #expect(wrongKey.isDeclined)
        #expect(fake.state.withLock { $0.refusedSignatures } == 1)

        // Sensitive data encrypted for a key that is not Nagad's: Nagad cannot read it.
        let wrongNagad = await harness.attempt(settings: ["public_key": stranger.publicKey.pemRepresentation]) { d, c in
            try d.start(harness.request(amount: 1_000), context: c)
        }
        #expect(wrongNagad.isDeclined)
        #expect(fake.state.withLock { $0.undecryptable } == 1)
        #expect(fake.state.withLock { $0.completed.isEmpty })
    }

    @Test("an amount Nagad reports that differs from the payment's is refused")
    func amountMismatch() async throws {
        let fake = try await NagadFake.start()
        defer { fake.stop() }
        let harness = try NagadHarness(fake: fake)
        let started = try await harness.run { d, c in try d.start(harness.request(amount: 1_250), context: c) }
        _ = fake.customerPays(started.providerReference)
        // Our record says 1,250.00 taka; the customer paid 12.50 under this reference.
        let payment = harness.reference(started.providerReference, amount: 125_000)

        let returned = await harness.attempt { d, c in try d.handleReturn(query: harness.callbackQuery(payment, status: "Success"), payment: payment, context: c) }
        #expect(returned.isRejected)
        #expect(returned.message.contains("12.50") && returned.message.contains("1250.00"))
        #expect(await harness.attempt { d, c in try d.capture(payment, amount: 125_000, idempotencyKey: "cap-3", context: c) }.isRejected)
    }

    @Test("refunds and webhooks are unsupported, as Nagad documents none")
    func unsupported() async throws {
        let fake = try await NagadFake.start()
        defer { fake.stop() }
        let harness = try NagadHarness(fake: fake)
        let payment = harness.reference("MDYyMzE4NDU1", amount: 1_000)
        let refund = await harness.attempt { d, c in try d.refund(payment, amount: 1_000, reason: "x", idempotencyKey: "r", context: c) }
        guard case .failure(.unsupported(let reason)) = refund else { Issue.record("\(refund)"); return }
        #expect(reason.contains("refund API"))
        let webhook = await harness.attempt { d, c in try d.verifyWebhook(IncomingWebhook(headers: [], body: Array("{}".utf8)), context: c) }
        guard case .failure(.unsupported) = webhook else { Issue.record("\(webhook)"); return }
    }

    @Test("a missing or unreadable setting is refused as notConfigured naming it, without its value")
    func missingSettings() async throws {
        let fake = try await NagadFake.start()
        defer { fake.stop() }
        let harness = try NagadHarness(fake: fake)
        for name in ["merchant_id", "merchant_number", "merchant_private_key", "public_key", "server_ip"] {
            let result = await harness.attempt(settings: [name: ""]) { d, c in try d.start(harness.request(amount: 100), context: c) }
            guard case .failure(.notConfigured(let message)) = result else {
                Issue.record("missing \(name): \(result)")
                continue
            }
            #expect(message.contains("'\(name)'"))
        }
        let garbage = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDsecretsecretsecret"
        let unreadable = await harness.attempt(settings: ["merchant_private_key": garbage]) { d, c in try d.start(harness.request(amount: 100), context: c) }
        guard case .failure(.notConfigured(let message)) = unreadable else { Issue.record("\(unreadable)"); return }
        #expect(message.contains("'merchant_private_key'"))
        #expect(!message.contains("secretsecret"))
        #expect(fake.state.withLock { $0.initialized.isEmpty })
    }

    @Test("the merchant's private key never appears in error messages")
    func secretsStayOut() async throws {
        let fake = try await NagadFake.start()
        defer { fake.stop() }
        let harness = try NagadHarness(fake: fake)
        var messages: [String] = []
        fake.state.withLock { $0.signAnswersWithForeignKey = true }
        messages.append(await harness.attempt { d, c in try d.start(harness.request(amount: 100), context: c) }.message)
        fake.state.withLock { $0.signAnswersWithForeignKey = false }
        messages.append(await harness.attempt(settings: ["base_url": "http://127.0.0.1:1/remote-payment-gateway-1.0"], deadlineMS: 1_000) { d, c in
            try d.start(harness.request(amount: 100), context: c)
        }.message)
        messages.append(await harness.attempt { d, c in try d.handleReturn(query: [], payment: harness.reference("x", amount: 1), context: c) }.message)
        // The fake echoes the private key text it is handed in a refusal; the driver redacts it.
        fake.state.withLock { $0.echo = harness.privateKeyPEM }
        messages.append(await harness.attempt { d, c in try d.start(harness.request(amount: 100), context: c) }.message)
        #expect(messages.last?.contains("[redacted]") == true)

        let keyBody = harness.privateKeyPEM.split(separator: "\n").filter { !$0.hasPrefix("-----") }
        for message in messages {
            #expect(!message.isEmpty)
            for line in keyBody { #expect(!message.contains(line), "\(message) contains the private key") }
        }
    }

    @Test("PKCS#1 v1.5 encryption interoperates with OpenSSL")
    func pkcs1Interop() throws {
        // OpenSSL's ciphertext decrypts with the driver's code.
        let key = try _RSA.Signing.PrivateKey(pemRepresentation: OpenSSLVector.privateKeyPEM)
        let plain = try NagadRSA.decrypt(OpenSSLVector.ciphertext, with: key)
        #expect(String(decoding: plain, as: UTF8.self) == OpenSSLVector.plaintext)

        // The driver's ciphertext, opened with BoringSSL's raw RSA, has RFC 8017's EME-PKCS1-v1_5
        // layout: 00 02, at least eight non-zero random bytes, 00, the message.
        let message = Array("{\"merchantId\":\"683002007104225\"}".utf8)
        let sealed = try NagadRSA.encrypt(message, with: key.publicKey)
        let raw = try _RSA.BlindSigning.PrivateKey<SHA384>(pemRepresentation: OpenSSLVector.privateKeyPEM)
        let encoded = Array(try raw.blindSignature(for: Data(base64Encoded: sealed)!).rawRepresentation)
        #expect(encoded.count == 256)
        #expect(encoded[0] == 0 && encoded[1] == 2)
        let padding = encoded[2..<(256 - message.count - 1)]
        #expect(padding.count >= 8 && !padding.contains(0))
        #expect(encoded[256 - message.count - 1] == 0)
        #expect(Array(encoded.suffix(message.count)) == message)
        // Random padding: the same message never encrypts the same way twice.
        #expect(try NagadRSA.encrypt(message, with: key.publicKey) != sealed)
        // A corrupted ciphertext is refused, not turned into garbage.
        var corrupted = Array(Data(base64Encoded: sealed)!)
        corrupted[10] ^= 0xFF
        #expect(throws: NagadRSA.Failure.self) { try NagadRSA.decrypt(Data(corrupted).base64EncodedString(), with: key) }
    }

    @Test("orderId and Dhaka time are written as Nagad expects")
    func formats() {
        #expect(NagadDriver.orderID("0192f5c1-7d1e-7c3a-9b1f-3e0c2a1d4b5e") == "0192f5c17d1e7c3a9b1f3e0c2a1d4b5e")
        // 2025-01-01 18:30:05 UTC is 2025-01-02 00:30:05 in Dhaka (UTC+6).
        #expect(NagadDriver.dhakaDateTime(Date(timeIntervalSince1970: 1_735_756_205)) == "20250102003005")
    }
}

// MARK: - Harness

private struct NagadHarness: Sendable {
    static let merchantID = "683002007104225"
    static let merchantNumber = "01711428036"
    let fake: NagadFake
    let driver = NagadDriver()
    let privateKeyPEM: String

    init(fake: NagadFake) throws {
        self.fake = fake
        privateKeyPEM = fake.merchantKey.pemRepresentation
    }

    var settings: [String: String] {
        ["base_url": fake.baseURL + "/remote-payment-gateway-1.0", "merchant_id": Self.merchantID, "merchant_number": Self.merchantNumber,
         "merchant_private_key": privateKeyPEM, "public_key": fake.nagadKey.publicKey.pemRepresentation,
         "server_ip": "103.100.200.100"]
    }

    func context(_ overrides: [String: String], deadlineMS: UInt32 = 60_000) -> DriverContext {
        DriverContext(settings: settings.merging(overrides) { $1 }, http: { request throws(DriverError) in
            // A generous deadline: this machine's two cores are shared with other builds.
            var request = request
            request.timeoutMS = deadlineMS
            return try LoopbackTransport.send(request)
        },
                      returnURL: "https://shop.example/api/payment/return/nagad")
    }

    func request(paymentID: String = "pay-1", amount: Int64) -> StartRequest {
        StartRequest(paymentID: paymentID, orderID: "order-\(paymentID)", amount: amount, currency: "BDT", idempotencyKey: "idem-\(paymentID)")
    }

    func reference(_ providerReference: String, amount: Int64) -> PaymentReference {
        Self.reference(paymentID: "pay-1", providerReference, amount: amount)
    }

    static func reference(paymentID: String, _ providerReference: String, amount: Int64) -> PaymentReference {
        PaymentReference(paymentID: paymentID, orderID: "order-\(paymentID)", providerReference: providerReference, amount: amount, currency: "BDT")
    }

    /// What Nagad appends to merchantCallbackURL.
    func callbackQuery(_ payment: PaymentReference, status: String) -> [(String, String)] {
        [("merchant", Self.merchantID), ("order_id", NagadDriver.orderID(payment.paymentID)), ("payment_ref_id", payment.providerReference),
         ("status", status), ("status_code", status == "Success" ? "00_0000_000" : "00_1111_001"), ("message", status)]
    }

    /// Runs a blocking driver call off Swift's cooperative pool (the transport blocks its thread).
    func attempt<T: Sendable>(settings: [String: String] = [:], deadlineMS: UInt32 = 60_000,
                              _ body: @escaping @Sendable (NagadDriver, DriverContext) throws -> T) async -> Result<T, DriverError> {
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

    func run<T: Sendable>(_ body: @escaping @Sendable (NagadDriver, DriverContext) throws -> T) async throws -> T {
        try await attempt(body).get()
    }
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

/// Nagad's checkout API as its integration sample describes it.
private final class NagadFake: Sendable {
    struct Session {
        var orderID: String
        var serverChallenge: String
        var amount: String?
        var status = "Initiated"
        var issuerReference: String?
    }

    struct State {
        var initialized: [[String: String]] = []
        var completed: [[String: String]] = []
        var callbackURLs: [String] = []
        var headers: [[String]] = []
        var sessions: [String: Session] = [:]
        var verifiedSignatures = 0
        var refusedSignatures = 0
        var undecryptable = 0
        var verifies = 0
        var signAnswersWithForeignKey = false
        var echo: String?
        var counter = 0
    }

    let state = Mutex(State())
    /// Nagad's key pair, the merchant's key pair (the fake only uses its public half), and a
    /// key that is neither, for forged answers.
    let nagadKey: _RSA.Signing.PrivateKey
    let merchantKey: _RSA.Signing.PrivateKey
    let foreignKey: _RSA.Signing.PrivateKey
    private let server = Mutex<(baseURL: String, task: Task<Void, any Error>?)>(("", nil))

    private init(keys: Keys) {
        nagadKey = keys.nagad
        merchantKey = keys.merchant
        foreignKey = keys.foreign
    }

    /// The keys of these tests, made once per test process.
    struct Keys: Sendable {
        let nagad = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
        let merchant = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
        /// Neither Nagad's nor the merchant's: the OpenSSL test vector's key.
        let foreign = try! _RSA.Signing.PrivateKey(pemRepresentation: OpenSSLVector.privateKeyPEM)
        static let shared = Keys()
    }

    var baseURL: String { server.withLock { $0.baseURL } }

    func stop() { server.withLock { $0.task?.cancel() } }

    /// The customer pays on Nagad's page; returns the issuer reference Nagad records.
    func customerPays(_ reference: String) -> String {
        state.withLock { s in
            s.counter += 1
            let issuer = "7ISSUER\(s.counter)"
            s.sessions[reference]?.status = "Success"
            s.sessions[reference]?.issuerReference = issuer
            return issuer
        }
    }

    func customerAborts(_ reference: String) {
        state.withLock { $0.sessions[reference]?.status = "Aborted" }
    }

    static func start() async throws -> NagadFake {
        let f = NagadFake(keys: .shared)
        let router = Router(context: BasicRequestContext.self)
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let root = "/remote-payment-gateway-1.0/api/dfs"

        router.post("\(root)/check-out/initialize/{merchantId}/{orderId}") { request, context in
            if let refusal = f.checkHeaders(request) { return refusal }
            let body = try await Self.json(request)
            let merchantID = try context.parameters.require("merchantId"), orderID = try context.parameters.require("orderId")
            let sensitive: [String: String]
            switch f.open(body) {
            case .refused(let refusal): return refusal
            case .opened(let opened): sensitive = opened
            }
            guard merchantID == NagadHarness.merchantID, sensitive["merchantId"] == merchantID, sensitive["orderId"] == orderID,
                  let dateTime = sensitive["datetime"], dateTime == body["dateTime"], dateTime.count == 14,
                  let challenge = sensitive["challenge"], !challenge.isEmpty, body["accountNumber"] == NagadHarness.merchantNumber
            else { return Self.answer(["reason": "INVALID_REQUEST", "message": "Invalid initialize request"], status: .badRequest) }
            let (reference, serverChallenge) = f.state.withLock { s in
                s.counter += 1
                let reference = "MDYyMzE4NDU\(s.counter)", serverChallenge = "server-challenge-\(s.counter)"
                s.initialized.append(sensitive)
                s.sessions[reference] = Session(orderID: orderID, serverChallenge: serverChallenge)
                return (reference, serverChallenge)
            }
            return f.sealedAnswer(["paymentReferenceId": reference, "challenge": serverChallenge, "acceptDateTime": dateTime])
        }
        router.post("\(root)/check-out/complete/{reference}") { request, context in
            if let refusal = f.checkHeaders(request) { return refusal }
            let body = try await Self.json(request)
            let reference = try context.parameters.require("reference")
            let sensitive: [String: String]
            switch f.open(body) {
            case .refused(let refusal): return refusal
            case .opened(let opened): sensitive = opened
            }
            let accepted = f.state.withLock { s -> Bool in
                guard let session = s.sessions[reference], sensitive["merchantId"] == NagadHarness.merchantID,
                      sensitive["orderId"] == session.orderID, sensitive["challenge"] == session.serverChallenge,
                      sensitive["currencyCode"] == "050", let amount = sensitive["amount"], BDTAmount.paisa(amount) != nil,
                      let callback = body["merchantCallbackURL"], !callback.isEmpty
                else { return false }
                s.sessions[reference]?.amount = amount
                s.completed.append(sensitive)
                s.callbackURLs.append(callback)
                return true
            }
            guard accepted else { return Self.answer(["reason": "INVALID_REQUEST", "message": "Invalid complete request"], status: .badRequest) }
            return Self.answer(["status": "Success", "callBackUrl": "https://sandbox-ssl.mynagad.com:10060/check-out/\(reference)"])
        }
        router.get("\(root)/verify/payment/{reference}") { request, context in
            if let refusal = f.checkHeaders(request) { return refusal }
            let reference = try context.parameters.require("reference")
            let answer: [String: String]? = f.state.withLock { s in
                s.verifies += 1
                guard let session = s.sessions[reference], let amount = session.amount else { return nil }
                var answer = ["merchantId": NagadHarness.merchantID, "orderId": session.orderID, "paymentRefId": reference, "amount": amount,
                              "merchantMobileNo": NagadHarness.merchantNumber, "orderDateTime": "2025-01-01 12:00:00.0",
                              "status": session.status, "statusCode": session.status == "Success" ? "000" : "001"]
                if let issuer = session.issuerReference {
                    answer["issuerPaymentRefNo"] = issuer
                    answer["clientMobileNo"] = "017**8036"
                    answer["issuerPaymentDateTime"] = "2025-01-01 12:01:00.0"
                }
                return answer
            }
            guard let answer else { return Self.answer(["reason": "INVALID_PAYMENT_REF", "message": "Invalid Payment Reference"], status: .badRequest) }
            return Self.answer(answer)
        }

        var logger = Logger(label: "nagad-fake")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in portSink.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw CancellationError() }
        f.server.withLock { $0 = ("http://127.0.0.1:\(port)", task) }
        return f
    }

    /// Nagad's request headers, checked on every call.
    private func checkHeaders(_ request: Request) -> Response? {
        let values = ["x-km-api-version", "x-km-ip-v4", "x-km-client-type"].map { request.headers[HTTPField.Name($0)!] ?? "" }
        state.withLock { $0.headers.append(values) }
        if let echo = state.withLock({ $0.echo }) {
            return Self.answer(["reason": "ECHO", "message": "refused: \(echo)"], status: .badRequest)
        }
        guard values[0] == "v-0.2.0", !values[1].isEmpty, values[2] == "PC_WEB" else {
            return Self.answer(["reason": "INVALID_HEADER", "message": "Missing X-KM headers"], status: .badRequest)
        }
        return nil
    }

    /// Decrypts the merchant's sensitiveData with Nagad's private key and checks the merchant's
    /// signature over it with the merchant's public key.
    private enum Opened {
        case opened([String: String])
        case refused(Response)
    }

    private func open(_ body: [String: String]) -> Opened {
        guard let sealed = body["sensitiveData"], let signature = body["signature"],
              let plain = Self.decrypt(sealed, with: nagadKey) else {
            state.withLock { $0.undecryptable += 1 }
            return .refused(Self.answer(["reason": "DECRYPTION_FAILED", "message": "Invalid sensitive data"], status: .badRequest))
        }
        guard let raw = Data(base64Encoded: signature),
              merchantKey.publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: raw), for: SHA256.hash(data: plain),
                                                     padding: .insecurePKCS1v1_5)
        else {
            state.withLock { $0.refusedSignatures += 1 }
            return .refused(Self.answer(["reason": "INVALID_SIGNATURE", "message": "Signature verification failed"], status: .badRequest))
        }
        state.withLock { $0.verifiedSignatures += 1 }
        let object = (try? JSONSerialization.jsonObject(with: Data(plain)) as? [String: Any]) ?? [:]
        return .opened(object.compactMapValues { $0 as? String })
    }

    /// Nagad's answer: the JSON encrypted for the merchant, signed with Nagad's key.
    private func sealedAnswer(_ fields: [String: String]) -> Response {
        let plain = Array(try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]))
        let signer = state.withLock { $0.signAnswersWithForeignKey } ? foreignKey : nagadKey
        let signature = try! signer.signature(for: SHA256.hash(data: plain), padding: .insecurePKCS1v1_5).rawRepresentation.base64EncodedString()
        return Self.answer(["sensitiveData": try! NagadRSA.encrypt(plain, with: merchantKey.publicKey), "signature": signature])
    }

    /// RSAES-PKCS1-v1_5 decryption written separately from the driver's: BoringSSL's raw RSA,
    /// then the 00 02 PS 00 M layout.
    private static func decrypt(_ base64: String, with key: _RSA.Signing.PrivateKey) -> [UInt8]? {
        guard let cipher = Data(base64Encoded: base64), cipher.count == 256,
              let raw = try? _RSA.BlindSigning.PrivateKey<SHA384>(derRepresentation: key.derRepresentation),
              let encoded = try? Array(raw.blindSignature(for: cipher).rawRepresentation),
              encoded.count == 256, encoded[0] == 0, encoded[1] == 2,
              let zero = encoded[2...].firstIndex(of: 0), zero >= 10
        else { return nil }
        return Array(encoded[(zero + 1)...])
    }

    private static func json(_ request: Request) async throws -> [String: String] {
        var request = request
        let buffer = try await request.collectBody(upTo: 1 << 20)
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any]) ?? [:]
        return object.compactMapValues { $0 as? String }
    }

    private static func answer(_ object: [String: String], status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// A PKCS#1 v1.5 test vector made with OpenSSL 3 (`openssl pkeyutl -encrypt -pkeyopt
/// rsa_padding_mode:pkcs1`) under a throwaway 2048-bit key made for this test only.
private enum OpenSSLVector {
    static let privateKeyPEM = """
-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC1I9mFDrExtjVD
haTzoUhtvGqKfV82EnsTyN5XJzEIDOYesqFzuFjW9O2owU3HQsBJnLcb3V69rbsw
hwyR/XT+IxzlODrh8eAz5N83Fl+Wt/DW4oPLukJPM0JdKGsimExYdkn8DT2otIDg
0QiRybr/DYdyGOgbOGR95dwAcec81RNQQBx91Y7czpCk0wlve/Yo5Zy0QSiLVEG7
UjJl9Hgq3aA2/DRVJrjBnl2efS0nYrRhUIZ+SSeAtJ43tQSJfGEUDBjJGcdGlCjs
wjRAUownTNMYTxPzQpRwP1nEx7wkkm3tf+xoTfZVpuNtTzQL1aRFrF6r3IlK2mCK
RbOhfA8LAgMBAAECggEAAw+zpQLWJ84gIR+b5aou75VxnE/5USnUZRJnmSpGZkM7
JTJ4dalpII9L8CaXY+vsezhoBKAj8imCsmB16+zp30NEp7/gu65uaMu2ogqBjxCI
xEW+9UbhyM9HxD9JbQpASammHz/+1mBGlVLmRcbjbCmt+LwT01hYPaOqD8l2n2aL
JjrUf4h/t29c/QX9RcgHjEhBdx+pQ+MXgN61Za3CBdVP9mB0uKC1vQUWz7GCN1Rt
7Mqe3/xaQbqC6FCoMYHPrJA5o4MSB3O6ecufGqFTcYoGDvkqthVIGrBzrMU0Gkmf
0ZBE2Phs3ShzEf9dM9a/LoS+Fh0dxHyPh4pezgNGEQKBgQDzoauC2JDvzDKcfB6a
zK2njgjqkkJWe4gk0RgNkQypjjKIprwDLb70DG2tFTrmpsHS/nkaG1rSYp1KgSyo
EI+uKmyvglmBshsRbZkY5r24wCJtaBM6MXei0DYm981VIZ2AU2p7mImvutyD7XJ/
4psX/5cGnpnGW6tGfHBomepuxwKBgQC+VgQdNqZU7vwBkVHPTSvuYfT6BOPTvOCv
jYqD98U03bkxJvGJ71NvzoQHKvnoAemI/zykpGF4yQriRKPLYIQjzXK1y4iJaVqZ
aNtsjqRXOYZjPTertEvfDInmbhqmvHqW4nQb7nGpcJsrcCMm/GawaE7k75VBl9VT
uIXjrAXpnQKBgQDWNTFtjChzDqD5QZBPHuMYTSO9yvcUvuyHImj5lK0Db4ky6Rap
3NDmFv9fjSkKn1gPwbqMn7yM+jO9zDGNW3JY+egxsHQuOoDeI/TWFhp9lEEw3K77
HX9I4bSbMomQ7ktjBvS60vVMUwmL3XwswPsIcKtDILOn2fWPtd3HunyLBQKBgAD3
lOvFFFFIKZWkdGL2RGvgqYr/rVytEAM0V+jVwHXFTqSWSxHlWmouBXO33y8zm0kr
6tX3U9t2QgzmRmLJKcK4z4Vm9FmmZGR1KPBDRUiALVOhwv+nWd9XQ/gcxRvlx0Wu
/uIJcyBmRxOQbU1MaQUqcoQtR3fe2qGjRWLjw9/tAoGBAJNPsFGhaLKpFNDI6Bop
rrwXYozm6+ns6l/9lO5jJG/2zbyO9WvL+muEnDA3zSLIiNMh6brnZMZ3BvZYwofA
T4z6U/Od+narh5FXrSPxmWk4FtAdjMfaera4YseHvfxXn5HwtV1+ndOeO5O7AEsI
nV2wCzst1duLBYQ2MUj37NeC
-----END PRIVATE KEY-----
"""
    static let ciphertext = "MY2QdxzkpP0xp7zq+zI33sK+84x0U8JVZsoMQhMEHlhcPhegJqTRUYcBjdc4d9Yzef9v1aRRzjFbvx4w2SBQUgGvimW1iomjvrOmDG5KeF6n+tyhmRGD4jpzeKT9Kflc7STF2h0PawVPWNVWLfXClU0AsUbwKAoIHEu+plK1UU5Am2sVPB7GsW+6SPLiakEjlI0H5jgBCDVSnYNRyfEO3yOKEyadf2gakr64Y0syomuvmARt9k5HKBtwZSDmo0G9tJSAAgbFpF49Ojrkp78ElpRKF2puEXcX0zW/caYopAZvsS10PHuZibd0KuaLrvPJdk8nU/1KN7bkd9kywb6l+g=="
    static let plaintext = #"{"paymentReferenceId":"MDYyMzE4NDU","challenge":"abc123","acceptDateTime":"20240101120000"}"#
}

