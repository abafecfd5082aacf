/// What a provider said about one attempt.
enum SendOutcome: Sendable, Equatable {
    /// Accepted; the provider's answer (message id, SMTP reply).
    case sent(String)
    /// A temporary refusal or a transport failure: try again later.
    case retry(String)
    /// A permanent refusal (bad address, rejected credentials): do not try again.
    case failed(String)

    var answer: String {
        switch self { case .sent(let a), .retry(let a), .failed(let a): return a }
    }

    var name: String {
        switch self { case .sent: return "sent"; case .retry: return "retry"; case .failed: return "failed" }
    }

    /// How an HTTP provider's status reads: 2xx accepted, 408/429/5xx temporary, other 4xx final.
    static func http(status: Int, answer: String) -> SendOutcome {
        switch status {
        case 200..<300: return .sent(answer)
        case 408, 429, 500..<600: return .retry("HTTP \(status): \(answer)")
        default: return .failed("HTTP \(status): \(answer)")
        }
    }
}
