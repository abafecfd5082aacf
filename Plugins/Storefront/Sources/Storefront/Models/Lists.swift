import EOPSDK
import Foundation

/// The visitor's wishlist and compare list, kept in cookies as product slugs separated by
/// `.` (slugs are `[a-z0-9-]`), so they work for guests and need no storage of ours.
enum Lists {
    static let wishlist = "sf_wishlist"
    static let compare = "sf_compare"
    /// Products side by side at most on the compare page.
    static let compareLimit = 4
    /// Keeps the cookie well under the 4 KB browsers allow.
    static let wishlistLimit = 50

    static func isSlug(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 200 && s.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    static func setCookie(_ name: String, _ slugs: [String]) -> (String, String) {
        ("Set-Cookie", "\(name)=\(slugs.joined(separator: ".")); Path=/; Max-Age=31536000; SameSite=Lax")
    }
}

extension Storefront {
    /// The slugs in a list cookie (anything that is not a slug is dropped).
    func cookieList(_ request: HTTPRequest, _ name: String) -> [String] {
        for header in request.headers where header.0 == "cookie" {
            for part in header.1.split(separator: ";") {
                let kv = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                guard kv.count == 2, kv[0] == name else { continue }
                return kv[1].split(separator: ".").map(String.init).filter(Lists.isSlug)
            }
        }
        return []
    }
}
