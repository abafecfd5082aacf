/// The platform vendor's public keys compiled into the host, by key id.
///
/// Rationale: the release build carries the roots, so a licensee cannot make
/// the host trust a key of their own. Newer keys reach old hosts through a
/// keyring file of rotation certificates (`Keyring`), each signed by a key the
/// host already trusts. The vendor's private keys never enter this repository:
/// `eop-license keygen` prints the line to paste here.
public enum VendorKeys {
    /// Key id → base64url raw Ed25519 public key. Empty in source until the vendor
    /// pastes its production root; in development mode the host also trusts the
    /// keys listed in `<data>/license/vendor-roots.json` (see `LicenseFiles`).
    public static let compiledInBase64URL: [String: String] = [:]

    /// The compiled-in keys, parsed.
    public static var compiledIn: [VerificationKey] {
        compiledInBase64URL.sorted { $0.key < $1.key }.compactMap { VerificationKey(kid: $0.key, base64URL: $0.value) }
    }
}
