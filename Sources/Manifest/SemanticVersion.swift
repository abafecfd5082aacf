/// A semantic version `MAJOR.MINOR.PATCH[-prerelease]` (semver.org 2.0, build metadata ignored).
public struct SemanticVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The major version; a change breaks compatibility.
    public var major: Int
    /// The minor version; a change adds features compatibly.
    public var minor: Int
    /// The patch version; a change fixes bugs only.
    public var patch: Int
    /// Pre-release identifiers (`rc.1`), empty for a release.
    public var prerelease: [String]

    /// Creates a version from its parts.
    public init(_ major: Int, _ minor: Int, _ patch: Int, prerelease: [String] = []) {
        self.major = major
        self.minor = minor
        self.patch = patch
        self.prerelease = prerelease
    }

    /// Parses `1.2.3`, `1.2.3-rc.1` or `1.2.3+build`; `1.2` and `1` when `allowPartial` is set.
    public init?(_ text: String, allowPartial: Bool = false) {
        var core = Substring(text)
        if let plus = core.firstIndex(of: "+") { core = core[..<plus] }
        var pre: [String] = []
        if let dash = core.firstIndex(of: "-") {
            pre = core[core.index(after: dash)...].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            if pre.contains(where: \.isEmpty) { return nil }
            core = core[..<dash]
        }
        let parts = core.split(separator: ".", omittingEmptySubsequences: false)
        guard (allowPartial ? 1...3 : 3...3).contains(parts.count) else { return nil }
        var numbers: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.allSatisfy(\.isASCII), let n = Int(part), n >= 0 else { return nil }
            numbers.append(n)
        }
        while numbers.count < 3 { numbers.append(0) }
        self.init(numbers[0], numbers[1], numbers[2], prerelease: pre)
    }

    /// `1.2.3` or `1.2.3-rc.1`.
    public var description: String {
        let core = "\(major).\(minor).\(patch)"
        return prerelease.isEmpty ? core : core + "-" + prerelease.joined(separator: ".")
    }

    /// Semver precedence: a pre-release sorts before its release.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        if (lhs.major, lhs.minor, lhs.patch) != (rhs.major, rhs.minor, rhs.patch) {
            return (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
        }
        switch (lhs.prerelease.isEmpty, rhs.prerelease.isEmpty) {
        case (true, true), (true, false): return false
        case (false, true): return true
        case (false, false):
            for (a, b) in zip(lhs.prerelease, rhs.prerelease) where a != b {
                switch (Int(a), Int(b)) {
                case let (x?, y?): return x < y
                case (.some, nil): return true
                case (nil, .some): return false
                case (nil, nil): return a < b
                }
            }
            return lhs.prerelease.count < rhs.prerelease.count
        }
    }
}

/// A set of versions a dependency accepts: `*`, `1.2.3`, `^1.2`, `~1.2.0`,
/// or comparators joined by spaces (`>=1.0.0 <2.0.0`).
public struct VersionRange: Sendable, Hashable, CustomStringConvertible {
    enum Comparator: Sendable, Hashable {
        case atLeast(SemanticVersion), above(SemanticVersion)
        case atMost(SemanticVersion), below(SemanticVersion)
        case exactly(SemanticVersion)

        func accepts(_ v: SemanticVersion) -> Bool {
            switch self {
            case .atLeast(let b): return v >= b
            case .above(let b): return v > b
            case .atMost(let b): return v <= b
            case .below(let b): return v < b
            case .exactly(let b): return v == b
            }
        }
    }

    let comparators: [Comparator]
    /// The range as written in the manifest.
    public let description: String

    /// Parses a range; nil when it is not one of the accepted forms.
    public init?(_ text: String) {
        description = text
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed == "*" { comparators = []; return }
        var result: [Comparator] = []
        for token in trimmed.split(separator: " ") {
            let t = String(token)
            if t.hasPrefix("^") || t.hasPrefix("~") {
                guard let v = SemanticVersion(String(t.dropFirst()), allowPartial: true) else { return nil }
                let upper: SemanticVersion
                if t.hasPrefix("^") {
                    upper = v.major > 0 ? SemanticVersion(v.major + 1, 0, 0) : SemanticVersion(0, v.minor + 1, 0)
                } else {
                    upper = SemanticVersion(v.major, v.minor + 1, 0)
                }
                result += [.atLeast(v), .below(upper)]
                continue
            }
            let ops: [(String, (SemanticVersion) -> Comparator)] = [
                (">=", Comparator.atLeast), ("<=", Comparator.atMost), (">", Comparator.above),
                ("<", Comparator.below), ("=", Comparator.exactly),
            ]
            var matched = false
            for (op, make) in ops where t.hasPrefix(op) {
                guard let v = SemanticVersion(String(t.dropFirst(op.count)), allowPartial: true) else { return nil }
                result.append(make(v))
                matched = true
                break
            }
            if !matched {
                guard let v = SemanticVersion(t) else { return nil }
                result.append(.exactly(v))
            }
        }
        comparators = result
    }

    /// Whether `version` lies in the range.
    public func contains(_ version: SemanticVersion) -> Bool {
        comparators.allSatisfy { $0.accepts(version) }
    }
}

import Foundation
