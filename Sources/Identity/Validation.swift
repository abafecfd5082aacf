import Foundation

/// Input checks shared by the store's operations. Each throws ``IdentityError``
/// naming the field.
enum Validation {
    static let maxEmailLength = 254
    static let maxNameLength = 200
    /// bcrypt reads only the first 72 bytes of a password.
    static let maxPasswordBytes = 72

    /// Trims surrounding whitespace and checks the shape `local@domain`.
    static func email(_ raw: String, field: String = "email") throws -> String {
        let email = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if email.isEmpty { throw IdentityError.invalidEmail(field: field, reason: "must not be empty") }
        if email.count > maxEmailLength {
            throw IdentityError.invalidEmail(field: field, reason: "must be at most \(maxEmailLength) characters")
        }
        if email.contains(where: { $0.isWhitespace || $0.isNewline }) {
            throw IdentityError.invalidEmail(field: field, reason: "must not contain spaces")
        }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw IdentityError.invalidEmail(field: field, reason: "must look like name@example.com")
        }
        return email
    }

    /// Password rules: at least `minimum` characters, not the email, at most 72 bytes.
    static func password(_ password: String, email: String, minimum: Int, field: String = "password") throws {
        if password.count < minimum { throw IdentityError.passwordTooShort(field: field, minimum: minimum) }
        if password.lowercased() == email.lowercased() { throw IdentityError.passwordEqualsEmail(field: field) }
        if password.utf8.count > maxPasswordBytes {
            throw IdentityError.passwordTooLong(field: field, maximumBytes: maxPasswordBytes)
        }
    }

    /// A non-empty name after trimming, at most 200 characters.
    static func name(_ raw: String, field: String) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty { throw IdentityError.invalidName(field: field, reason: "must not be empty") }
        if name.count > maxNameLength {
            throw IdentityError.invalidName(field: field, reason: "must be at most \(maxNameLength) characters")
        }
        return name
    }

    /// `*`, or two or more dot-separated segments of `[a-z0-9_-]+`.
    static func isPermission(_ permission: String) -> Bool {
        if permission == "*" { return true }
        let segments = permission.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count >= 2 else { return false }
        return segments.allSatisfy { segment in
            !segment.isEmpty && segment.utf8.allSatisfy(isSegmentByte)
        }
    }

    /// Checks every permission; returns them de-duplicated and sorted.
    static func permissions(_ permissions: [String], field: String = "permissions") throws -> [String] {
        for permission in permissions where !isPermission(permission) {
            throw IdentityError.invalidPermission(field: field, permission: permission)
        }
        return Array(Set(permissions)).sorted()
    }

    /// `[a-z0-9_-]{1,64}`.
    static func roleName(_ name: String, field: String = "role") throws -> String {
        guard !name.isEmpty, name.utf8.count <= 64, name.utf8.allSatisfy(isSegmentByte) else {
            throw IdentityError.invalidRoleName(field: field, name: name)
        }
        return name
    }

    private static func isSegmentByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    /// A PostgreSQL `text[]` literal for strings already validated to hold no
    /// quotes, backslashes, braces or commas.
    static func textArrayLiteral(_ values: [String]) -> String {
        "{" + values.map { "\"\($0)\"" }.joined(separator: ",") + "}"
    }
}
