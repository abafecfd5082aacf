import CCurl
import EOPDispatch
import Foundation

/// Email over SMTP through libcurl: STARTTLS when the server offers it (`CURLUSESSL_TRY`),
/// or TLS from the start with an `smtps://` URL; AUTH with the configured user; the
/// message built by libcurl's MIME API as multipart/alternative (text and HTML).
///
/// Thread: blocking; the sender calls it on its own thread, never on an event loop.
struct SMTPMailer: Sendable {
    let settings: NotificationConfiguration.SMTP
    let timeout: Duration

    private static let globalInit: Bool = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK }()

    /// One message to one address.
    func send(to address: String, subject: String, html: String, text: String) -> SendOutcome {
        guard Self.globalInit, let curl = curl_easy_init() else { return .retry("libcurl could not be initialised") }
        defer { curl_easy_cleanup(curl) }
        guard let to = Self.mailbox(address) else { return .failed("'\(address)' is not an email address") }
        guard let from = Self.mailbox(settings.from) else { return .failed("EOP_SMTP_FROM '\(settings.from)' is not an email address") }

        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        let recipients = curl_slist_append(nil, "<\(to)>")
        var headers: UnsafeMutablePointer<curl_slist>?
        for line in ["Date: \(Self.rfc5322Date())", "From: <\(from)>", "To: <\(to)>", "Subject: \(Self.encodedHeader(subject))",
                     "Message-ID: <\(UUID().uuidString.lowercased())@eop>", "MIME-Version: 1.0"] {
            headers = curl_slist_append(headers, line)
        }
        defer {
            curl_slist_free_all(recipients)
            curl_slist_free_all(headers)
        }

        // multipart/alternative: the plain text first, the HTML last (the preferred one).
        let mime = curl_mime_init(curl)
        defer { curl_mime_free(mime) }
        let alternative = curl_mime_init(curl)
        for (content, type) in [(text, "text/plain; charset=utf-8"), (html, "text/html; charset=utf-8")] where !content.isEmpty || type.hasPrefix("text/plain") {
            let part = curl_mime_addpart(alternative)
            curl_mime_data(part, content, content.utf8.count)
            curl_mime_type(part, type)
            curl_mime_encoder(part, "quoted-printable")
        }
        let body = curl_mime_addpart(mime)
        curl_mime_subparts(body, alternative)  // owned by `mime` from here on
        curl_mime_type(body, "multipart/alternative")

        eop_curl_set_string(curl, CURLOPT_URL, settings.url)
        eop_curl_set_string(curl, CURLOPT_MAIL_FROM, "<\(from)>")
        eop_curl_set_pointer(curl, CURLOPT_MAIL_RCPT, recipients)
        eop_curl_set_pointer(curl, CURLOPT_HTTPHEADER, headers)
        eop_curl_set_pointer(curl, CURLOPT_MIMEPOST, UnsafeMutableRawPointer(mime))
        eop_curl_set_long(curl, CURLOPT_USE_SSL, Int(CURLUSESSL_TRY.rawValue))
        if let user = settings.user, !user.isEmpty {
            eop_curl_set_string(curl, CURLOPT_USERNAME, user)
            eop_curl_set_string(curl, CURLOPT_PASSWORD, settings.password ?? "")
        }
        if !settings.verifyTLS {
            eop_curl_set_long(curl, CURLOPT_SSL_VERIFYPEER, 0)
            eop_curl_set_long(curl, CURLOPT_SSL_VERIFYHOST, 0)
        }
        eop_curl_set_long(curl, CURLOPT_TIMEOUT_MS, Int(timeout.seconds * 1000))
        eop_curl_set_long(curl, CURLOPT_NOSIGNAL, 1)  // worker threads: no SIGALRM for timeouts
        eop_curl_set_pointer(curl, CURLOPT_ERRORBUFFER, errorBuffer)

        let result = curl_easy_perform(curl)
        var code = 0
        eop_curl_response_code(curl, &code)
        if result == CURLE_OK { return .sent("SMTP \(code): accepted for <\(to)>") }
        let detail = errorBuffer.pointee != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(result))
        let answer = "curl error \(result.rawValue): \(detail)" + (code > 0 ? " (SMTP \(code))" : "")
        // 5xx is the server's final word on this message; everything else may pass later.
        return (500..<600).contains(code) ? .failed(answer) : .retry(answer)
    }

    /// The bare address, or nil when it could smuggle a header or command.
    static func mailbox(_ address: String) -> String? {
        let a = address.trimmingCharacters(in: .whitespaces)
        guard a.contains("@"), !a.contains(where: { $0.isNewline || "<>\"".contains($0) || $0.isWhitespace }) else { return nil }
        return a
    }

    /// RFC 2047 for a header value that is not plain ASCII; line breaks are removed.
    static func encodedHeader(_ value: String) -> String {
        let single = value.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if single.allSatisfy({ $0.isASCII }) { return single }
        return "=?UTF-8?B?\(Data(single.utf8).base64EncodedString())?="
    }

    static func rfc5322Date() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f.string(from: Date())
    }
}
