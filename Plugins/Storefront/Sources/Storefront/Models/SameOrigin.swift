import EOPSDK
import Foundation

/// Cross-site form posts (CSRF).
///
/// The shop's forms are plain HTML posts, so there is no script to add a token header. Two
/// things stop another site from posting them for a visitor:
/// - the cookies that name the visitor (`sf_cart`, the host's session cookie) are
///   `SameSite=Lax`, so a browser does not send them with a cross-site POST: such a post
///   reaches no cart and no signed-in customer;
/// - the browser says where the form was: `Origin` (sent with every form POST by current
///   browsers), else `Referer`, must name this shop. This also covers what SameSite does not:
///   a sibling subdomain (same site, another origin) and browsers without SameSite.
extension Storefront {
    /// Why a form POST is refused as coming from another origin, or nil when it may go on.
    /// `requireOrigin`: a POST that carries neither header is refused too (checkout, which
    /// spends money: only browsers post that form); list and cart changes let such clients through.
    func crossSiteRefusal(_ request: HTTPRequest, requireOrigin: Bool) -> String? {
        let origin = request.header("origin")
        let referer = request.header("referer")
        guard let claimed = origin ?? referer else {
            return requireOrigin ? "This form must be sent from the shop's own page (the request names no Origin or Referer)." : nil
        }
        let allowed = Set(([settings.baseURL] + [request.header("x-forwarded-host"), request.header("host")].compactMap { $0 }.map { "http://" + $0 })
            .compactMap(Self.authority))
        guard let from = Self.authority(claimed), allowed.contains(from) else {
            return "This form was sent from another site (\(origin != nil ? "Origin" : "Referer") \(claimed.prefix(200))); send it from the shop's own page."
        }
        return nil
    }

    /// `host[:port]` of a URL, lower-cased, without the default ports 80 and 443 (a shop behind
    /// a TLS proxy sees `Host: shop.example` while the browser's Origin is `https://shop.example`).
    /// nil for `null` and anything without a host. A forwarded host list keeps its first entry.
    static func authority(_ url: String) -> String? {
        let first = url.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard let parts = URLComponents(string: first), let host = parts.host?.lowercased(), !host.isEmpty else { return nil }
        guard let port = parts.port, port != 80, port != 443 else { return host }
        return "\(host):\(port)"
    }
}
