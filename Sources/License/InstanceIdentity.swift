import Crypto
import Foundation

/// The machine a license may be bound to: hex SHA-256 of
/// `eop/instance/v1\0` + the machine id (`/etc/machine-id`, else
/// `/var/lib/dbus/machine-id`). Only the hash leaves the machine.
public struct InstanceIdentity: Sendable, Equatable {
    /// Lowercase hex SHA-256, as carried in the license's `instance` field.
    public let hash: String

    /// Wraps a hash already computed.
    public init(hash: String) { self.hash = hash.lowercased() }

    /// Hashes a machine id string (trimmed).
    public init(machineID: String) {
        var bytes = Data("eop/instance/v1".utf8)
        bytes.append(0)
        bytes.append(Data(machineID.trimmingCharacters(in: .whitespacesAndNewlines).utf8))
        self.hash = Data(SHA256.hash(data: bytes)).hexString
    }

    /// This machine's identity, or nil when no machine id file exists.
    public static func current() -> InstanceIdentity? {
        for path in ["/etc/machine-id", "/var/lib/dbus/machine-id"] {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
               !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                return InstanceIdentity(machineID: text)
            }
        }
        return nil
    }
}
