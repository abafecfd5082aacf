import Foundation

/// One driver's calls to its provider: sends through `DriverContext.http`, sorts the answer
/// into the driver errors the core understands (4xx → declined with the provider's reason,
/// 5xx/429/unreadable → unavailable), and keeps every secret out of the messages, even when
/// a transport repeats a URL that carries one (SSLCommerz puts its password in the query).
struct ProviderCall {
    let driver: String
    let context: DriverContext
    /// Secret values (credentials, tokens) that must never appear in an error message.
    let secrets: [String]

    /// Sends `request`; `what` names the call in messages ("create order").
    func send(_ request: OutboundRequest, _ what: String) throws(DriverError) -> OutboundResponse {
        do {
            return try context.http(request)
        } catch {
            throw .unavailable(redact("\(driver): \(what) failed: \(error.message)"))
        }
    }

    /// Sends `request` and reads a JSON answer. `reason` picks the provider's own explanation
    /// out of an error body.
    func json(_ request: OutboundRequest, _ what: String, reason: (JSONTree) -> String? = { _ in nil }) throws(DriverError) -> JSONTree {
        try read(try send(request, what), what, reason: reason)
    }

    /// Reads a JSON answer: 2xx → the body, 4xx → declined, 429/5xx or unreadable → unavailable.
    func read(_ response: OutboundResponse, _ what: String, reason: (JSONTree) -> String? = { _ in nil }) throws(DriverError) -> JSONTree {
        let body = JSONTree.parse(response.body)
        let explanation = body.flatMap(reason).map { ": \($0)" } ?? ""
        switch response.status {
        case 200..<300:
            guard let body else { throw .unavailable("\(driver): \(what) answered \(response.status) without readable JSON") }
            return body
        case 429, 500...:
            throw .unavailable(redact("\(driver): \(what) answered \(response.status)\(explanation)"))
        default:
            throw .declined(redact("\(driver): \(what) refused (\(response.status))\(explanation)"))
        }
    }

    /// Runs `body`, taking every secret out of the message of any error it throws.
    func guarding<T>(_ body: () throws(DriverError) -> T) throws(DriverError) -> T {
        do {
            return try body()
        } catch {
            throw redact(error)
        }
    }

    func redact(_ text: String) -> String {
        var text = text
        for secret in secrets where !secret.isEmpty {
            text = text.replacingOccurrences(of: secret, with: "[redacted]")
            text = text.replacingOccurrences(of: FormFields.escape(secret), with: "[redacted]")
        }
        return text
    }

    /// `error` with every secret taken out of its message.
    func redact(_ error: DriverError) -> DriverError {
        switch error {
        case .notConfigured(let m): return .notConfigured(redact(m))
        case .declined(let m): return .declined(redact(m))
        case .unavailable(let m): return .unavailable(redact(m))
        case .rejected(let m): return .rejected(redact(m))
        case .unsupported(let m): return .unsupported(redact(m))
        }
    }
}
