import Foundation

/// The platform vendor vouching for a third-party publisher key: a
/// `SignedEnvelope` for `eop/publisher/v1\0` by a vendor license key over
/// `{"namespace","public_key","kid","issued_at"}`. Shipped inside a bundle as
/// `publisher.cert`, it lets a host accept the publisher without `eop trust add`.
public enum PublisherCertificate {
    /// Certifies `publisherKey` for `namespace`, signed by a vendor key.
    public static func issue(namespace: String, publisherKey: VerificationKey, vendorKey: SigningKey, at date: Date = Date()) throws -> SignedEnvelope {
        let object: [String: Any] = [
            "namespace": namespace, "public_key": publisherKey.base64URL, "kid": publisherKey.fingerprint,
            "issued_at": LicenseDate.formatTimestamp(date),
        ]
        let payload = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return try SignedEnvelope.sign(payload, domain: .publisherCertificate, with: vendorKey)
    }

    /// The publisher key and namespace a certificate vouches for, if a non-development
    /// vendor key in `keyring` signed it and its signer is not revoked.
    public static func verify(_ certificate: SignedEnvelope, keyring: Keyring, revokedKids: Set<String> = []) -> (key: VerificationKey, namespace: String)? {
        guard certificate.v == SignedEnvelope.currentVersion, !revokedKids.contains(certificate.kid),
              let signer = keyring.entry(for: certificate.kid), signer.trust != .development,
              certificate.isSigned(by: signer.key, domain: .publisherCertificate),
              let bytes = certificate.payloadBytes,
              let o = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any],
              let namespace = o["namespace"] as? String, let pub = o["public_key"] as? String,
              let probe = VerificationKey(kid: "", base64URL: pub) else { return nil }
        return (VerificationKey(kid: probe.fingerprint, base64URL: pub)!, namespace)
    }
}
