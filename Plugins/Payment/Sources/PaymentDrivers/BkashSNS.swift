import Crypto
import Foundation
import _CryptoExtras

/// An Amazon SNS HTTP(S) message, the envelope bKash's webhooks (IPN) arrive in, checked the
/// way AWS documents: https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
/// (SignatureVersion 1 = RSA PKCS#1 v1.5 over SHA-1, 2 = over SHA-256, of the canonical
/// "Key\nValue\n" string; the certificate only from https://sns.<region>.amazonaws.com/….pem).
struct SNSMessage {
    let type: String
    let messageID: String
    let message: String
    let subject: String?
    let subscribeURL: String?
    let timestamp: String
    let token: String?
    let topicARN: String
    let signatureVersion: String
    let signature: [UInt8]
    let signingCertURL: String

    /// Reads the envelope; nil when a field AWS always sends is missing.
    init?(_ json: [String: Any]) {
        func text(_ key: String) -> String? { json[key] as? String }
        guard let type = text("Type"), let messageID = text("MessageId"), let message = text("Message"),
              let timestamp = text("Timestamp"), let topicARN = text("TopicArn"),
              let version = text("SignatureVersion"), let signature = text("Signature"),
              let decoded = Data(base64Encoded: signature), let certURL = text("SigningCertURL")
        else { return nil }
        self.type = type
        self.messageID = messageID
        self.message = message
        self.subject = text("Subject")
        self.subscribeURL = text("SubscribeURL")
        self.timestamp = timestamp
        self.token = text("Token")
        self.topicARN = topicARN
        self.signatureVersion = version
        self.signature = Array(decoded)
        self.signingCertURL = certURL
    }

    /// The string AWS signs: the documented keys in byte order, each as "Key\nValue\n";
    /// Subject only when present (notifications), SubscribeURL and Token for the
    /// subscription messages.
    var stringToSign: String {
        var pairs: [(String, String?)] = [("Message", message), ("MessageId", messageID)]
        if type == "Notification" {
            pairs.append(("Subject", subject))
        } else {
            pairs.append(("SubscribeURL", subscribeURL))
        }
        pairs.append(("Timestamp", timestamp))
        if type != "Notification" { pairs.append(("Token", token)) }
        pairs.append(("TopicArn", topicARN))
        pairs.append(("Type", type))
        return pairs.compactMap { key, value in value.map { "\(key)\n\($0)\n" } }.joined()
    }

    /// True when the signature verifies with `key` under the message's SignatureVersion.
    func isSigned(by key: _RSA.Signing.PublicKey) -> Bool {
        let signature = _RSA.Signing.RSASignature(rawRepresentation: signature)
        let canonical = Data(stringToSign.utf8)
        switch signatureVersion {
        case "1": return key.isValidSignature(signature, for: Insecure.SHA1.hash(data: canonical), padding: .insecurePKCS1v1_5)
        case "2": return key.isValidSignature(signature, for: SHA256.hash(data: canonical), padding: .insecurePKCS1v1_5)
        default: return false
        }
    }

    /// AWS's own hosts only: https, `sns.<region>.amazonaws.com` (or `.com.cn`), and for the
    /// certificate a path ending in `.pem`. Anything else could be an attacker's certificate.
    static func isAWSURL(_ text: String, certificate: Bool) -> Bool {
        guard let url = URL(string: text), url.scheme == "https", let host = url.host?.lowercased(),
              url.user == nil, url.port == nil || url.port == 443 else { return false }
        let region: Substring
        if host.hasSuffix(".amazonaws.com") {
            region = host.dropLast(".amazonaws.com".count)
        } else if host.hasSuffix(".amazonaws.com.cn") {
            region = host.dropLast(".amazonaws.com.cn".count)
        } else {
            return false
        }
        guard region.hasPrefix("sns.") else { return false }
        let name = region.dropFirst("sns.".count)
        guard name.count >= 3, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else { return false }
        return !certificate || url.path.hasSuffix(".pem")
    }

    /// The RSA public key of a PEM X.509 certificate (its SubjectPublicKeyInfo), found by
    /// walking the DER: Certificate → tbsCertificate → [version], serial, signature, issuer,
    /// validity, subject, subjectPublicKeyInfo.
    static func publicKey(certificatePEM: String) -> _RSA.Signing.PublicKey? {
        let body = certificatePEM.split(whereSeparator: \.isNewline)
            .filter { !$0.hasPrefix("-----") }
            .joined()
        guard certificatePEM.contains("-----BEGIN CERTIFICATE-----"),
              let der = Data(base64Encoded: String(body)) else { return nil }
        let bytes = Array(der)
        guard let certificate = DER.element(bytes, at: 0), certificate.tag == 0x30,
              let tbs = DER.element(bytes, at: certificate.content.lowerBound), tbs.tag == 0x30 else { return nil }
        var children = DER.children(bytes, of: tbs)
        if children.first?.tag == 0xA0 { children.removeFirst() }
        guard children.count >= 6, children[5].tag == 0x30 else { return nil }
        return try? _RSA.Signing.PublicKey(derRepresentation: bytes[children[5].whole])
    }
}

/// Just enough DER to find a field in a certificate: single-byte tags, definite lengths.
private enum DER {
    struct Element {
        var tag: UInt8
        var content: Range<Int>
        var whole: Range<Int>
    }

    static func element(_ bytes: [UInt8], at start: Int) -> Element? {
        guard start + 2 <= bytes.count else { return nil }
        let tag = bytes[start]
        var index = start + 1
        let first = Int(bytes[index])
        index += 1
        var length = first
        if first & 0x80 != 0 {
            let count = first & 0x7F
            guard count >= 1, count <= 4, index + count <= bytes.count else { return nil }
            length = 0
            for _ in 0..<count {
                length = length << 8 | Int(bytes[index])
                index += 1
            }
        }
        guard length >= 0, index + length <= bytes.count else { return nil }
        return Element(tag: tag, content: index..<(index + length), whole: start..<(index + length))
    }

    static func children(_ bytes: [UInt8], of parent: Element) -> [Element] {
        var result: [Element] = []
        var index = parent.content.lowerBound
        while index < parent.content.upperBound, let child = element(bytes, at: index), child.whole.upperBound <= parent.content.upperBound {
            result.append(child)
            index = child.whole.upperBound
        }
        return result
    }
}
