/// Topic names: `<module>.<noun>.<verb>`, lower case, e.g. `order.order.placed`.
public enum Topic {
    /// Whether `name` has the shape of a topic: three or more dot-separated segments of
    /// `[a-z][a-z0-9_-]*`.
    public static func isValid(_ name: String) -> Bool {
        let segments = name.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count >= 3 else { return false }
        return segments.allSatisfy { segment in
            guard let first = segment.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else { return false }
            return segment.utf8.allSatisfy { c in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
                    || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
            }
        }
    }

    /// Why `name` is not a topic, for error messages.
    public static let rule = "a topic is <module>.<noun>.<verb>: three or more dot-separated lower-case segments of a-z, 0-9, '_' or '-', each starting with a letter"
}

/// Plugin ids: lower-case, `[a-z][a-z0-9_-]*`, optionally namespaced by a publisher (`acme.loyalty`).
public enum PluginID {
    /// Ids the host itself uses as a source or topic owner; no plugin may take them.
    public static let reserved: Set<String> = ["platform", "operator", "notification", "host"]

    /// Whether `id` is a valid plugin id.
    public static func isValid(_ id: String) -> Bool {
        let segments = id.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(segments.count), id.utf8.count <= 64 else { return false }
        return segments.allSatisfy { segment in
            guard let first = segment.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else { return false }
            return segment.utf8.allSatisfy { c in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
                    || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
            }
        }
    }
}

/// A C identifier, as handler symbols must be.
enum CSymbol {
    static func isValid(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }
}
