/// A plugin release channel. Ordered: stable < rc < beta; a license that allows
/// a channel allows every lower one.
public enum ReleaseChannel: String, Sendable, CaseIterable, Comparable, Codable {
    /// General availability.
    case stable
    /// Release candidate.
    case rc
    /// Beta.
    case beta

    private var rank: Int {
        switch self {
        case .stable: 0
        case .rc: 1
        case .beta: 2
        }
    }

    /// Orders by stability: stable < rc < beta.
    public static func < (lhs: ReleaseChannel, rhs: ReleaseChannel) -> Bool { lhs.rank < rhs.rank }
}
