import Foundation

/// Entry points for RFC 9562 version 7 ids, backed by one process-wide `UUIDv7Generator`.
///
/// Thread-safe. Ids from `generate()` are strictly increasing within the process.
public enum UUIDv7 {
    /// The process-wide generator used by `generate()`, reading `SystemClock`.
    public static let shared = UUIDv7Generator()

    /// A new version 7 UUID.
    public static func generate() -> UUID { shared.next() }

    /// A new version 7 UUID as 16 raw bytes in network order.
    public static func generateBytes() -> [UInt8] { shared.nextBytes() }

    /// The 16 bytes of any UUID, in network order.
    public static func bytes(of uuid: UUID) -> [UInt8] {
        withUnsafeBytes(of: uuid.uuid) { Array($0) }
    }

    /// A UUID from 16 bytes in network order. Precondition: `bytes.count == 16`.
    public static func uuid(fromBytes bytes: [UInt8]) -> UUID {
        precondition(bytes.count == 16, "a UUID has 16 bytes, got \(bytes.count)")
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    /// True when `uuid` has version 7 and the RFC 9562 variant (`10`).
    public static func isVersion7(_ uuid: UUID) -> Bool {
        let raw = bytes(of: uuid)
        return raw[6] >> 4 == 7 && raw[8] >> 6 == 0b10
    }

    /// The embedded Unix-millisecond timestamp, or `nil` if `uuid` is not version 7.
    public static func timestamp(of uuid: UUID) -> Date? {
        guard isVersion7(uuid) else { return nil }
        let millis = bytes(of: uuid)[0..<6].reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
        return Date(timeIntervalSince1970: Double(millis) / 1000)
    }
}
