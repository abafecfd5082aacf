import Crypto
import Foundation
import _CryptoExtras

/// The RSA that Nagad's merchant API uses: sensitiveData encrypted with RSAES-PKCS1-v1_5
/// (RFC 8017 §7.2, OpenSSL's RSA_PKCS1_PADDING, what Nagad's own PHP sample calls through
/// openssl_public_encrypt) and signatures SHA256withRSA (RSASSA-PKCS1-v1_5 with SHA-256).
///
/// swift-crypto 3.12.3 signs and verifies PKCS#1 v1.5 (`_RSA.Signing.Padding.insecurePKCS1v1_5`)
/// but its `_RSA.Encryption.Padding` offers only OAEP. So the v1.5 encryption padding is done
/// here over the raw RSA primitives:
/// - the private operation (RSADP, m = c^d mod n) is BoringSSL's `RSA_sign_raw`, reached
///   through `_RSA.BlindSigning.PrivateKey.blindSignature(for:)` (RFC 9474's BlindSign is
///   exactly RSASP1 = RSADP, with BoringSSL's blinding and constant-time code);
/// - the public operation (RSAEP, c = m^e mod n) uses only public values, so a small
///   Montgomery exponentiation below does it.
enum NagadRSA {
    struct Failure: Error {
        let reason: String
    }

    /// A public key from PEM, or from bare base64 DER as Nagad hands keys out.
    static func publicKey(_ text: String) throws(Failure) -> _RSA.Signing.PublicKey {
        do {
            if text.contains("-----BEGIN") { return try _RSA.Signing.PublicKey(pemRepresentation: text) }
            return try _RSA.Signing.PublicKey(derRepresentation: try der(text))
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(reason: "not an RSA public key of 2048 bits or more (PEM or base64 DER)")
        }
    }

    /// A private key from PEM (PKCS#1 or PKCS#8), or from bare base64 DER.
    static func privateKey(_ text: String) throws(Failure) -> _RSA.Signing.PrivateKey {
        do {
            if text.contains("-----BEGIN") { return try _RSA.Signing.PrivateKey(pemRepresentation: text) }
            return try _RSA.Signing.PrivateKey(derRepresentation: try der(text))
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(reason: "not an RSA private key of 2048 bits or more (PEM or base64 DER)")
        }
    }

    private static func der(_ text: String) throws(Failure) -> Data {
        let compact = text.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: compact) else { throw Failure(reason: "neither PEM nor base64") }
        return data
    }

    /// SHA256withRSA, base64.
    static func sign(_ message: [UInt8], with key: _RSA.Signing.PrivateKey) throws(Failure) -> String {
        do {
            return try key.signature(for: message, padding: .insecurePKCS1v1_5).rawRepresentation.base64EncodedString()
        } catch {
            throw Failure(reason: "signing failed")
        }
    }

    static func isValidSignature(_ base64: String, for message: [UInt8], by key: _RSA.Signing.PublicKey) -> Bool {
        guard let raw = Data(base64Encoded: base64) else { return false }
        return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: raw), for: message, padding: .insecurePKCS1v1_5)
    }

    /// RSAES-PKCS1-v1_5 encryption, base64: EM = 00 02 PS 00 M with PS ≥ 8 random non-zero bytes.
    static func encrypt(_ message: [UInt8], with key: _RSA.Signing.PublicKey) throws(Failure) -> String {
        guard let primitives = try? key.getKeyPrimitives() else { throw Failure(reason: "cannot read the public key") }
        let modulus = Array(primitives.modulus.drop { $0 == 0 })
        let size = modulus.count
        guard message.count <= size - 11 else { throw Failure(reason: "message of \(message.count) bytes is longer than \(size - 11)") }
        var encoded: [UInt8] = [0, 2]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<(size - message.count - 3) { encoded.append(UInt8.random(in: 1...255, using: &generator)) }
        encoded.append(0)
        encoded.append(contentsOf: message)
        let cipher = Montgomery(modulus: modulus).power(encoded, exponent: Array(primitives.publicExponent))
        return Data(cipher).base64EncodedString()
    }

    /// RSAES-PKCS1-v1_5 decryption of base64 ciphertext.
    static func decrypt(_ base64: String, with key: _RSA.Signing.PrivateKey) throws(Failure) -> [UInt8] {
        guard let cipher = Data(base64Encoded: base64) else { throw Failure(reason: "ciphertext is not base64") }
        let size = (key.keySizeInBits + 7) / 8
        guard cipher.count == size else { throw Failure(reason: "ciphertext is \(cipher.count) bytes, not \(size)") }
        let encoded: [UInt8]
        do {
            let raw = try _RSA.BlindSigning.PrivateKey<SHA384>(derRepresentation: key.derRepresentation)
            encoded = Array(try raw.blindSignature(for: cipher).rawRepresentation)
        } catch {
            throw Failure(reason: "decryption failed")
        }
        // One answer for every malformed padding, so nothing is learnt from which check failed.
        var separator = 0
        for index in 2..<encoded.count where separator == 0 && encoded[index] == 0 { separator = index }
        guard encoded.count == size, encoded[0] == 0, encoded[1] == 2, separator >= 10 else {
            throw Failure(reason: "decryption failed")
        }
        return Array(encoded[(separator + 1)...])
    }
}

/// Modular exponentiation with public operands (RSAEP), in Montgomery form with 64-bit limbs.
struct Montgomery {
    /// Little-endian limbs of the odd modulus.
    private let n: [UInt64]
    /// -n⁻¹ mod 2⁶⁴.
    private let nPrime: UInt64
    private let byteCount: Int

    init(modulus bigEndian: [UInt8]) {
        byteCount = bigEndian.count
        n = Self.limbs(bigEndian, count: (bigEndian.count + 7) / 8)
        var inverse: UInt64 = 1
        for _ in 0..<6 { inverse = inverse &* (2 &- n[0] &* inverse) }  // Newton: doubles the correct bits
        nPrime = 0 &- inverse
    }

    /// base^exponent mod n, big-endian, padded to the modulus' length. `base` must be < n.
    func power(_ base: [UInt8], exponent: [UInt8]) -> [UInt8] {
        let k = n.count
        let x = Self.limbs(base, count: k)
        // One in Montgomery form (R mod n), and x·R mod n, by doubling modulo n.
        let one = toMontgomery(Self.limbs([1], count: k))
        let xm = toMontgomery(x)
        var result = one
        for byte in exponent {
            for bit in (0..<8).reversed() {
                result = multiply(result, result)
                if (byte >> UInt8(bit)) & 1 == 1 { result = multiply(result, xm) }
            }
        }
        var unit = [UInt64](repeating: 0, count: k)
        unit[0] = 1
        let plain = multiply(result, unit)
        return Self.bytes(plain, count: byteCount)
    }

    /// a·R mod n, by 64·k modular doublings.
    private func toMontgomery(_ a: [UInt64]) -> [UInt64] {
        var value = a
        for _ in 0..<(64 * n.count) {
            let carry = value[value.count - 1] >> 63
            for index in stride(from: value.count - 1, to: 0, by: -1) { value[index] = value[index] << 1 | value[index - 1] >> 63 }
            value[0] <<= 1
            if carry == 1 || !Self.less(value, n) { value = Self.subtract(value, n) }
        }
        return value
    }

    /// a·b·R⁻¹ mod n (CIOS).
    private func multiply(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        let k = n.count
        var t = [UInt64](repeating: 0, count: k + 2)
        for i in 0..<k {
            var carry: UInt64 = 0
            for j in 0..<k {
                let (high, low) = a[j].multipliedFullWidth(by: b[i])
                let (sum1, o1) = low.addingReportingOverflow(t[j])
                let (sum2, o2) = sum1.addingReportingOverflow(carry)
                t[j] = sum2
                carry = high &+ (o1 ? 1 : 0) &+ (o2 ? 1 : 0)
            }
            let (top, overflow) = t[k].addingReportingOverflow(carry)
            t[k] = top
            t[k + 1] = overflow ? 1 : 0

            let m = t[0] &* nPrime
            let (high0, low0) = m.multipliedFullWidth(by: n[0])
            carry = high0 &+ (low0.addingReportingOverflow(t[0]).overflow ? 1 : 0)
            for j in 1..<k {
                let (high, low) = m.multipliedFullWidth(by: n[j])
                let (sum1, o1) = low.addingReportingOverflow(t[j])
                let (sum2, o2) = sum1.addingReportingOverflow(carry)
                t[j - 1] = sum2
                carry = high &+ (o1 ? 1 : 0) &+ (o2 ? 1 : 0)
            }
            let (sum, o) = t[k].addingReportingOverflow(carry)
            t[k - 1] = sum
            t[k] = t[k + 1] &+ (o ? 1 : 0)
        }
        var result = Array(t[0..<k])
        if t[k] != 0 || !Self.less(result, n) { result = Self.subtract(result, n) }
        return result
    }

    private static func less(_ a: [UInt64], _ b: [UInt64]) -> Bool {
        for index in stride(from: a.count - 1, through: 0, by: -1) where a[index] != b[index] { return a[index] < b[index] }
        return false
    }

    /// a - b mod 2^(64·k) (callers guarantee the true result fits).
    private static func subtract(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        var result = a
        var borrow: UInt64 = 0
        for index in 0..<a.count {
            let (d1, o1) = a[index].subtractingReportingOverflow(b[index])
            let (d2, o2) = d1.subtractingReportingOverflow(borrow)
            result[index] = d2
            borrow = (o1 || o2) ? 1 : 0
        }
        return result
    }

    private static func limbs(_ bigEndian: [UInt8], count: Int) -> [UInt64] {
        var result = [UInt64](repeating: 0, count: count)
        for (offset, byte) in bigEndian.reversed().enumerated() where offset / 8 < count {
            result[offset / 8] |= UInt64(byte) << (8 * UInt64(offset % 8))
        }
        return result
    }

    private static func bytes(_ limbs: [UInt64], count: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        for index in 0..<count {
            result[count - 1 - index] = UInt8(truncatingIfNeeded: limbs[index / 8] >> (8 * UInt64(index % 8)))
        }
        return result
    }
}
