import EOPSDK
import Foundation
import PaymentDrivers

/// A driver the core serves, with the settings it reads.
///
/// Settings convention: the manifest declares a driver's settings as `<driver id>_<name>`
/// (`stripe_secret_key`, `paypal_client_id`, `bank_transfer_instructions`); the driver
/// reads them without the prefix (`context.setting("secret_key", driver: id)`). A driver
/// sees only its own settings.
struct DriverRegistration: Sendable {
    let driver: any PaymentDriver
    /// Its setting names without the prefix.
    let settings: [String]
    /// Settings without which the method is not offered; `payment.method.list` names the
    /// first one missing (with the prefix, as the operator writes it).
    let required: [String]
    /// Whether the core captures as soon as the provider reports an authorization (gateways
    /// where the customer already paid: the hold becomes money at once). False for cash on
    /// delivery, which staff capture when the cash is collected.
    let captureOnAuthorization: Bool

    init(_ driver: any PaymentDriver, settings: [String], required: [String], captureOnAuthorization: Bool = true) {
        self.driver = driver
        self.settings = settings
        self.required = required
        self.captureOnAuthorization = captureOnAuthorization
    }

    /// The manifest's key of one of its settings.
    func key(_ name: String) -> String { "\(driver.id)_\(name)" }
}

extension Payment {
    /// Every driver behind `PaymentDriver`, in the order the shop lists them. Gift cards and
    /// the wallet are not here: the core serves them itself (its own tables, the Wallet
    /// module's commands).
    ///
    /// To add a driver: write `Plugins/Payment/Sources/PaymentDrivers/<Name>Driver.swift`,
    /// declare its settings as `<id>_<name>` under `settings` in `Manifests/payment.json`
    /// (secrets with `"secret": true`, base URLs with their sandbox default), and add a line
    /// here with the names, the required ones, and whether an authorization is captured at once.
    static let registrations: [DriverRegistration] = [
        DriverRegistration(StripeDriver(), settings: ["secret_key", "webhook_secret", "publishable_key", "base_url"], required: ["secret_key", "webhook_secret"]),
        DriverRegistration(CashOnDeliveryDriver(), settings: [], required: [], captureOnAuthorization: false),
        DriverRegistration(BankTransferDriver(), settings: ["instructions"], required: ["instructions"], captureOnAuthorization: false),
        DriverRegistration(PayPalDriver(), settings: ["client_id", "client_secret", "webhook_id", "base_url", "brand_name"],
                           required: ["client_id", "client_secret", "webhook_id"]),
        DriverRegistration(PaddleDriver(), settings: ["api_key", "webhook_secret", "base_url", "checkout_url", "tax_category", "webhook_tolerance_seconds"],
                           required: ["api_key", "webhook_secret"]),
        DriverRegistration(SSLCommerzDriver(), settings: ["store_id", "store_password", "base_url", "ipn_url", "default_address", "default_city",
                                                          "default_postcode", "default_country", "product_category", "product_profile"],
                           required: ["store_id", "store_password"]),
        DriverRegistration(BkashDriver(), settings: ["app_key", "app_secret", "username", "password", "base_url", "sns_topic_arn"],
                           required: ["app_key", "app_secret", "username", "password"]),
        DriverRegistration(NagadDriver(), settings: ["merchant_id", "merchant_number", "merchant_private_key", "public_key", "server_ip", "base_url", "client_type"],
                           required: ["merchant_id", "merchant_number", "merchant_private_key", "public_key", "server_ip"]),
    ]

    /// The surroundings a driver call gets: its own settings, the host's HTTP client, the
    /// clock and the return address of this payment.
    func context(_ registration: DriverRegistration, paymentID: String? = nil) -> DriverContext {
        var own: [String: String] = [:]
        for name in registration.settings { own[name] = settings[registration.key(name)] }
        let host = self.host
        let timeout = UInt32(settings["provider_timeout_ms"].flatMap { UInt32($0) } ?? 10_000)
        return DriverContext(settings: own, http: { request throws(DriverError) in
            try Self.send(request, through: host, defaultTimeoutMS: timeout)
        }, returnURL: paymentID.map { returnURL(driver: registration.driver.id, paymentID: $0) } ?? "")
    }

    /// Where a provider sends the customer back: `<public_base_url>/api/payment/return/<driver>?payment_id=<id>`,
    /// or `…/return/<driver>/<id>` for providers that append their own query to the URL
    /// they are given (bKash, Nagad).
    func returnURL(driver: String, paymentID: String) -> String {
        var base = settings["public_base_url"] ?? ""
        while base.hasSuffix("/") { base.removeLast() }
        if Self.appendsOwnQuery.contains(driver) { return "\(base)/api/payment/return/\(driver)/\(paymentID)" }
        return "\(base)/api/payment/return/\(driver)?payment_id=\(paymentID)"
    }

    static let appendsOwnQuery: Set<String> = ["bkash", "nagad"]

    /// One outbound request through the host's client. A failure names the method and the
    /// host only: URLs may carry tokens, headers carry keys.
    static func send(_ request: OutboundRequest, through host: HostAPI, defaultTimeoutMS: UInt32) throws(DriverError) -> OutboundResponse {
        let response: HTTPClientResponse
        do {
            response = try host.http(HTTPClientRequest(method: request.method, url: request.url, headers: request.headers, body: request.body,
                                                       timeoutMS: request.timeoutMS == 0 ? defaultTimeoutMS : request.timeoutMS))
        } catch {
            let server = URLComponents(string: request.url)?.host ?? "the provider"
            throw .unavailable("\(request.method) to \(server) failed: \(error.message)")
        }
        return OutboundResponse(status: response.status, headers: response.headers, body: response.body)
    }
}
