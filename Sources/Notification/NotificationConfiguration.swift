import EOPDispatch
import Foundation

/// Where and how the notification module sends. The host fills it from environment
/// variables (see README.md); a channel whose settings are missing fails its deliveries
/// with a reason naming the variable, instead of pretending to send.
public struct NotificationConfiguration: Sendable {
    /// SMTP server for email.
    public struct SMTP: Sendable {
        /// `smtp://host:port` (STARTTLS when the server offers it) or `smtps://host:port` (TLS from the start).
        public var url: String
        public var user: String?
        public var password: String?
        /// The envelope and header sender, e.g. `shop@example.com`.
        public var from: String
        /// Verify the server's certificate (switch off only for a test server).
        public var verifyTLS: Bool

        public init(url: String, user: String? = nil, password: String? = nil, from: String, verifyTLS: Bool = true) {
            self.url = url
            self.user = user
            self.password = password
            self.from = from
            self.verifyTLS = verifyTLS
        }
    }

    /// Twilio's Messages API for SMS.
    public struct Twilio: Sendable {
        /// `https://api.twilio.com`, or a local stand-in in tests.
        public var baseURL: String
        public var accountSID: String
        public var authToken: String
        /// The sending number, E.164.
        public var from: String

        public init(baseURL: String = "https://api.twilio.com", accountSID: String, authToken: String, from: String) {
            self.baseURL = baseURL
            self.accountSID = accountSID
            self.authToken = authToken
            self.from = from
        }
    }

    /// Firebase Cloud Messaging HTTP v1 for push.
    public struct FCM: Sendable {
        /// `https://fcm.googleapis.com`, or a local stand-in in tests.
        public var baseURL: String
        public var project: String
        /// An OAuth 2 access token for the project (the operator refreshes it).
        public var accessToken: String

        public init(baseURL: String = "https://fcm.googleapis.com", project: String, accessToken: String) {
            self.baseURL = baseURL
            self.project = project
            self.accessToken = accessToken
        }
    }

    public var smtp: SMTP?
    public var twilio: Twilio?
    public var fcm: FCM?
    /// Attempts per delivery before it is marked failed.
    public var maxAttempts: Int
    /// The wait after the first failed attempt; it doubles each time up to `maxRetryDelay`.
    public var retryDelay: Duration
    public var maxRetryDelay: Duration
    /// The locale used when a recipient has none, and the fallback for missing translations.
    public var defaultLocale: String
    /// How long one provider call may take.
    public var sendTimeout: Duration

    public init(smtp: SMTP? = nil, twilio: Twilio? = nil, fcm: FCM? = nil, maxAttempts: Int = 6,
                retryDelay: Duration = .seconds(30), maxRetryDelay: Duration = .seconds(3600),
                defaultLocale: String = "en", sendTimeout: Duration = .seconds(30)) {
        self.smtp = smtp
        self.twilio = twilio
        self.fcm = fcm
        self.maxAttempts = maxAttempts
        self.retryDelay = retryDelay
        self.maxRetryDelay = maxRetryDelay
        self.defaultLocale = defaultLocale
        self.sendTimeout = sendTimeout
    }

    /// The wait before attempt `attempt + 1`: retryDelay · 2^(attempt-1), capped.
    func delay(afterAttempt attempt: Int) -> Duration {
        .milliseconds(Int(min(retryDelay.seconds * pow(2, Double(max(attempt - 1, 0))), maxRetryDelay.seconds) * 1000))
    }
}
