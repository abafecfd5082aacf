/// A semantic version (`MAJOR.MINOR.PATCH[-prerelease][+build]`), ordered by SemVer 2.0 precedence.
public struct BundleVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Major.
    public let major: Int
    /// Minor.
    public let minor: Int
    /// Patch.
    public let patch: Int
    /// Pre-release identifiers (after `-`).
    public let prerelease: [String]
    /// Build metadata (after `+`), ignored in ordering.
    public let build: String?

    /// Parses `text`; nil when it is not a semantic version.
    public init?(_ text: String) {
        var rest = Substring(text)
        var build: String? = nil
        if let plus = rest.firstIndex(of: "+") {
            build = String(rest[rest.index(after: plus)...])
            rest = rest[..<plus]
        }
        var pre: [String] = []
        if let dash = rest.firstIndex(of: "-") {
            pre = rest[rest.index(after: dash)...].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !pre.isEmpty, pre.allSatisfy({ !$0.isEmpty }) else { return nil }
            rest = rest[..<dash]
        }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let a = Int(parts[0]), let b = Int(parts[1]), let c = Int(parts[2]),
              a >= 0, b >= 0, c >= 0 else { return nil }
        major = a; minor = b; patch = c; prerelease = pre; self.build = build
    }

    /// The text form.
    public var description: String {
        var s = "\(major).\(minor).\(patch)"
        if !prerelease.isEmpty { s += "-" + prerelease.joined(separator: ".") }
        if let build { s += "+" + build }
        return s
    }

    /// SemVer precedence (build metadata ignored).
    public static func < (l: BundleVersion, r: BundleVersion) -> Bool {
        if (l.major, l.minor, l.patch) != (r.major, r.minor, r.patch) {
            return (l.major, l.minor, l.patch) < (r.major, r.minor, r.patch)
        }
        if l.prerelease.isEmpty { return false }
        if r.prerelease.isEmpty { return true }
        for (a, b) in zip(l.prerelease, r.prerelease) where a != b {
            switch (Int(a), Int(b)) {
            case let (x?, y?): return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a < b
            }
        }
        return l.prerelease.count < r.prerelease.count
    }

    /// Equal precedence (build metadata ignored).
    public static func == (l: BundleVersion, r: BundleVersion) -> Bool {
        (l.major, l.minor, l.patch) == (r.major, r.minor, r.patch) && l.prerelease == r.prerelease
    }

    /// Hashes the fields that take part in precedence.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(major); hasher.combine(minor); hasher.combine(patch); hasher.combine(prerelease)
    }
}
