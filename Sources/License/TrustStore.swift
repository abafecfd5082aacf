import Foundation

/// Publisher keys the operator trusts for bundle signing, each bound to one
/// namespace (`eop trust add <pubkey> --publisher <namespace>`).
///
/// File: `{"format":1,"publishers":[{"namespace","kid","public_key","added_at"}]}`,
/// replaced atomically. `kid` is the key's fingerprint (`VerificationKey.fingerprint`),
/// the id bundles are signed under.
public struct TrustStore: Sendable, Equatable {
    /// One trusted publisher key.
    public struct Publisher: Codable, Sendable, Equatable {
        /// Namespace the key may publish under, e.g. `com.acme`.
        public var namespace: String
        /// Key id (fingerprint).
        public var kid: String
        /// Raw public key, base64url.
        public var publicKey: String
        /// When it was added.
        public var addedAt: String

        enum CodingKeys: String, CodingKey {
            case namespace, kid
            case publicKey = "public_key"
            case addedAt = "added_at"
        }
    }

    private struct File: Codable {
        var format: Int
        var publishers: [Publisher]
    }

    /// Trusted publisher keys.
    public private(set) var publishers: [Publisher] = []

    /// An empty store.
    public init() {}

    /// Reads the store at `url`; absent file → empty.
    public static func load(from url: URL) throws(BundleError) -> TrustStore {
        var store = TrustStore()
        guard FileManager.default.fileExists(atPath: url.path) else { return store }
        do {
            store.publishers = try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).publishers
        } catch {
            throw .trustStore(reason: "\(url.path) unreadable: \(error)")
        }
        return store
    }

    /// Writes the store to `url` atomically.
    public func save(to url: URL) throws(BundleError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try AtomicFile.write(try encoder.encode(File(format: 1, publishers: publishers)), to: url)
        } catch {
            throw .trustStore(reason: "cannot write \(url.path): \(error)")
        }
    }

    /// Trusts `publicKeyBase64URL` for `namespace`.
    /// - Throws: `.trustStore` for a bad key or namespace, or a key already bound to another namespace.
    @discardableResult
    public mutating func add(publicKeyBase64URL: String, namespace: String, at date: Date = Date()) throws(BundleError) -> Publisher {
        guard BundleNamespace.isValid(namespace) else {
            throw .trustStore(reason: "namespace '\(namespace)' is not lowercase dot-separated labels (a-z, 0-9, -)")
        }
        guard namespace != BundleNamespace.vendor else {
            throw .trustStore(reason: "namespace '\(BundleNamespace.vendor)' is reserved for the platform vendor")
        }
        guard let key = VerificationKey(kid: "", base64URL: publicKeyBase64URL) else {
            throw .trustStore(reason: "'\(publicKeyBase64URL)' is not a base64url Ed25519 public key")
        }
        let kid = key.fingerprint
        if let existing = publishers.first(where: { $0.kid == kid }) {
            guard existing.namespace == namespace else {
                throw .trustStore(reason: "key \(kid) is already trusted for namespace '\(existing.namespace)'")
            }
            return existing
        }
        let entry = Publisher(namespace: namespace, kid: kid, publicKey: key.base64URL, addedAt: LicenseDate.formatTimestamp(date))
        publishers.append(entry)
        return entry
    }

    /// Removes the key with this kid; returns whether one was removed.
    @discardableResult
    public mutating func remove(kid: String) -> Bool {
        let before = publishers.count
        publishers.removeAll { $0.kid == kid }
        return publishers.count != before
    }

    /// The trusted key and namespace for `kid`.
    public func publisher(kid: String) -> (key: VerificationKey, namespace: String)? {
        guard let p = publishers.first(where: { $0.kid == kid }),
              let key = VerificationKey(kid: kid, base64URL: p.publicKey) else { return nil }
        return (key, p.namespace)
    }
}
