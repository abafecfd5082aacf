import Foundation

/// The domain a signature is made for. Every signed byte string is
/// `"<domain>\0" + payload`, so a signature made for one kind of document
/// (say a plugin bundle) never verifies as another (say a license).
public enum SigningDomain: String, Sendable, CaseIterable {
    /// A license payload: `eop/license/v1\0`.
    case license = "eop/license/v1"
    /// A plugin bundle's signed file list: `eop/bundle/v1\0`.
    case bundle = "eop/bundle/v1"
    /// A vendor key certified by an older vendor key (rotation): `eop/key/v1\0`.
    case keyCertificate = "eop/key/v1"
    /// A vendor revocation list: `eop/revocations/v1\0`.
    case revocations = "eop/revocations/v1"
    /// A publisher key certified by the platform vendor: `eop/publisher/v1\0`.
    case publisherCertificate = "eop/publisher/v1"

    /// The exact bytes that are signed: domain, one NUL byte, then `payload` unchanged.
    public func signedBytes(_ payload: Data) -> Data {
        var bytes = Data(rawValue.utf8)
        bytes.append(0)
        bytes.append(payload)
        return bytes
    }
}
