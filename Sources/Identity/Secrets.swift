import Crypto
import Foundation

/// Random tokens and their digests. Tokens are 32 random bytes from the
/// system CSPRNG, base64url without padding; only their SHA-256 is stored.
public enum Secrets {
    /// 32 random bytes.
    static func randomBytes(count: Int = 32) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()  // getrandom(2) on Linux
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// A new opaque token: base64url of 32 random bytes (43 characters).
    public static func newToken() -> String { base64url(randomBytes()) }

    /// SHA-256 of the token's UTF-8 bytes: what the database stores.
    static func digest(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(token.utf8)))
    }

    /// Base64url without padding (RFC 4648 §5).
    static func base64url<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes base64url with or without padding; `nil` if malformed.
    static func decodeBase64url(_ text: String) -> [UInt8]? {
        guard text.utf8.count <= 512 else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.utf8.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map(Array.init)
    }
}
