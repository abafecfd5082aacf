/// How the integer part of an amount is split into groups when formatted.
///
/// Rationale: South Asian currencies (BDT, INR, NPR, PKR) group by lakh and crore,
/// which a plain "groups of three" formatter renders wrongly.
public enum DigitGrouping: String, Sendable, Hashable, Codable, CaseIterable {
    /// Groups of three digits: `1,234,567`.
    case thousands
    /// Indian (lakh/crore) grouping: the last three digits, then groups of two: `12,34,567`.
    case indian

    /// Inserts `separator` into a string of ASCII digits according to this style.
    func group(_ digits: String, separator: Character = ",") -> String {
        let chars = Array(digits)
        guard chars.count > 3 else { return digits }
        var groups: [String] = [String(chars[(chars.count - 3)...])]
        var end = chars.count - 3
        let size = self == .thousands ? 3 : 2
        while end > 0 {
            let start = max(0, end - size)
            groups.append(String(chars[start..<end]))
            end = start
        }
        return groups.reversed().joined(separator: String(separator))
    }
}
