import EOPGateway
import EOPIdentity
import Foundation
import HTTPTypes
import Hummingbird

/// Customer accounts over JSON (`/api/account/…`): register, sign in (session cookie),
/// who am I, sign out. The storefront's pages call these; plugins only ever see the
/// resulting principal.
public struct AccountRoutes: Sendable {
    let store: IdentityStore
    let secureCookies: Bool

    public init(store: IdentityStore, secureCookies: Bool = false) {
        self.store = store
        self.secureCookies = secureCookies
    }

    /// The operations listed in the OpenAPI document.
    public static let openAPIPaths: [String: [String: [String: String]]] = [
        "/api/account/customers": ["post": ["summary": "Register a customer account"]],
        "/api/account/session": ["post": ["summary": "Sign in as a customer (sets the session cookie)"],
                                 "get": ["summary": "The signed-in customer"], "delete": ["summary": "Sign out"]],
    ]

    public func register(on router: Router<BasicRequestContext>) {
        let account = router.group("api/account")
        account.post("customers") { request, _ in
            let object = try await body(request)
            let email = object["email"] as? String ?? "", password = object["password"] as? String ?? "", name = object["name"] as? String ?? ""
            let customer = try await Blocking.perform { [store] in try store.registerCustomer(email: email, password: password, name: name) }
            return json(["id": customer.id.uuidString.lowercased(), "email": customer.email], status: .created)
        }
        account.post("session") { request, _ in
            let object = try await body(request)
            let email = object["email"] as? String ?? "", password = object["password"] as? String ?? ""
            let client = request.headers[HTTPField.Name("x-forwarded-for")!]?.split(separator: ",").first.map(String.init) ?? "storefront"
            do {
                let session = try await Blocking.run { [store] () throws -> IssuedSession in
                    try store.createSession(for: try store.authenticateCustomer(email: email, password: password, client: client))
                }
                var response = json(["id": session.principal.id.uuidString.lowercased(), "csrf_token": session.csrfToken])
                response.headers[.setCookie] = "\(IdentityPrincipals.sessionCookie)=\(session.token); Path=/; Max-Age=\(Int(session.absoluteExpires.timeIntervalSinceNow)); HttpOnly; SameSite=Lax" + (secureCookies ? "; Secure" : "")
                return response
            } catch let failure as AuthenticationFailure {
                var headers: HTTPFields = [:]
                var status = HTTPResponse.Status.unauthorized
                if case .throttled(let seconds) = failure { status = .tooManyRequests; headers[.retryAfter] = String(seconds) }
                return Problem(status, status.reasonPhrase, detail: failure.description, errors: [.init(field: failure.field, reason: failure.description)])
                    .response(requestID: request.headers[HTTPField.Name("X-Request-Id")!] ?? "", extraHeaders: headers)
            }
        }
        account.get("session") { request, _ in
            guard let token = IdentityPrincipals.cookie(IdentityPrincipals.sessionCookie, in: request.headers),
                  let session = try await Blocking.run({ [store] in try store.session(token) }) else {
                throw Problem(.unauthorized, "Unauthorized", detail: "nobody is signed in")
            }
            return json(["id": session.principal.id.uuidString.lowercased(), "kind": session.principal.kind.rawValue,
                         "email": session.principal.email as Any, "name": session.principal.displayName as Any])
        }
        account.delete("session") { request, _ in
            if let token = IdentityPrincipals.cookie(IdentityPrincipals.sessionCookie, in: request.headers) {
                _ = try await Blocking.run { [store] in try store.endSession(token) }
            }
            var response = Response(status: .noContent)
            response.headers[.setCookie] = "\(IdentityPrincipals.sessionCookie)=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
            return response
        }
    }

    private func body(_ request: Request) async throws -> [String: Any] {
        // Login CSRF: a cross-site form can only send text/plain or form encodings.
        guard isJSON(request) else {
            throw Problem(.unsupportedMediaType, "Unsupported Media Type", detail: "send application/json",
                          errors: [.init(field: "(content-type)", reason: "must be application/json")])
        }
        var request = request
        let buffer = try await request.collectBody(upTo: 16 << 10)
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any] else {
            throw Problem(.badRequest, "Bad Request", detail: "the body must be a JSON object", errors: [.init(field: "(body)", reason: "not a JSON object")])
        }
        return object
    }
}
