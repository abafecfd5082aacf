import AsyncHTTPClient
import EOPDispatch
import Foundation
import NIOCore
import NIOHTTP1

/// SMS through Twilio's Messages API and push through Firebase Cloud Messaging HTTP v1,
/// over async-http-client. Base URLs are configurable so that tests (and proxies) can
/// stand in for the providers.
///
/// Thread: `send` blocks its caller (the sender's thread) until the provider answers or
/// the timeout passes; the request itself runs on async-http-client's event loops.
final class ProviderClients: Sendable {
    let client: HTTPClient
    let twilio: NotificationConfiguration.Twilio?
    let fcm: NotificationConfiguration.FCM?
    let timeout: Duration

    init(twilio: NotificationConfiguration.Twilio?, fcm: NotificationConfiguration.FCM?, timeout: Duration) {
        client = HTTPClient(eventLoopGroupProvider: .singleton)
        self.twilio = twilio
        self.fcm = fcm
        self.timeout = timeout
    }

    func shutdown() { try? client.syncShutdown() }

    /// POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json with To, From, Body as a
    /// form and HTTP Basic auth AccountSid:AuthToken. Answers with the message's `sid`.
    func sendSMS(to phone: String, body: String) -> SendOutcome {
        guard let twilio else { return .failed("SMS is not configured: set EOP_TWILIO_ACCOUNT_SID, EOP_TWILIO_AUTH_TOKEN and EOP_TWILIO_FROM") }
        let url = twilio.baseURL.trimmingSuffix("/") + "/2010-04-01/Accounts/\(twilio.accountSID)/Messages.json"
        let form = [("To", phone), ("From", twilio.from), ("Body", body)].map { "\($0)=\(Self.formEncoded($1))" }.joined(separator: "&")
        let credentials = Data("\(twilio.accountSID):\(twilio.authToken)".utf8).base64EncodedString()
        return post(url, headers: ["Authorization": "Basic \(credentials)", "Content-Type": "application/x-www-form-urlencoded"], body: form) { json in
            json["sid"].map { "Twilio message \($0)" }
        }
    }

    /// POST {base}/v1/projects/{project}/messages:send with a bearer token and
    /// {"message": {"token", "notification": {"title", "body"}}}. Answers with the message `name`.
    func sendPush(token: String, title: String, body: String) -> SendOutcome {
        guard let fcm else { return .failed("push is not configured: set EOP_FCM_PROJECT and EOP_FCM_ACCESS_TOKEN") }
        let url = fcm.baseURL.trimmingSuffix("/") + "/v1/projects/\(fcm.project)/messages:send"
        let message: [String: Any] = ["message": ["token": token, "notification": ["title": title, "body": body]]]
        let json = String(decoding: (try? JSONSerialization.data(withJSONObject: message, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
        return post(url, headers: ["Authorization": "Bearer \(fcm.accessToken)", "Content-Type": "application/json; charset=utf-8"], body: json) { json in
            json["name"].map { "FCM message \($0)" }
        }
    }

    /// Sends one request and reads the provider's answer: its id on success, its own error
    /// message (Twilio `message`, FCM `error.message`) otherwise.
    private func post(_ url: String, headers: [String: String], body: String, id: ([String: String]) -> String?) -> SendOutcome {
        do {
            var request = try HTTPClient.Request(url: url, method: .POST)
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            request.body = .string(body)
            let response = try client.execute(request: request, deadline: .now() + .milliseconds(Int64(timeout.seconds * 1000))).wait()
            let text = response.body.map { String(buffer: $0) } ?? ""
            let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
            let fields = object.compactMapValues { $0 as? String }
            let status = Int(response.status.code)
            if (200..<300).contains(status) { return .sent(id(fields) ?? "HTTP \(status)") }
            let message = fields["message"] ?? ((object["error"] as? [String: Any])?["message"] as? String) ?? String(text.prefix(300))
            return SendOutcome.http(status: status, answer: message)
        } catch {
            return .retry("\(url): \(error)")
        }
    }

    /// application/x-www-form-urlencoded: unreserved characters stay, the rest is %XX.
    static func formEncoded(_ value: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
