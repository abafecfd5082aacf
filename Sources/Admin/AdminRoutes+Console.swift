import EOPConsole
import EOPGateway
import EOPIdentity
import Foundation
import HTTPTypes
import Hummingbird

extension AdminRoutes {
    static let loginCSRFCookie = "eop_login_csrf"

    func registerConsole(_ router: Router<BasicRequestContext>) {
        let admin = router.group("admin")

        admin.get("login") { request, _ in
            // Before a session exists, the login form's CSRF token is a double-submit cookie.
            let token = Secrets.newToken()
            return html(try renderer.login(error: nil, email: nil, csrfToken: token, retryAfter: nil),
                        headers: [.setCookie: cookie(Self.loginCSRFCookie, token, maxAge: 3600, path: "/admin/login")])
        }
        admin.post("login") { request, _ in
            let form = try await formFields(request)
            let expected = IdentityPrincipals.cookie(Self.loginCSRFCookie, in: request.headers)
            guard let expected, let sent = form["csrf_token"], constantTimeEqual(expected, sent) else {
                let token = Secrets.newToken()
                return html(try renderer.login(error: "The form expired. Please sign in again.", email: form["email"], csrfToken: token, retryAfter: nil),
                            status: .forbidden, headers: [.setCookie: cookie(Self.loginCSRFCookie, token, maxAge: 3600, path: "/admin/login")])
            }
            let email = form["email"] ?? "", password = form["password"] ?? ""
            let client = request.headers[HTTPField.Name("x-forwarded-for")!]?.split(separator: ",").first.map(String.init) ?? "console"
            do {
                let session = try await Blocking.run { [store] () throws -> IssuedSession in
                    let principal = try store.authenticateStaff(email: email, password: password, client: client)
                    return try store.createSession(for: principal)
                }
                let maxAge = Int(session.absoluteExpires.timeIntervalSinceNow)
                var headers: HTTPFields = [.location: "/admin"]
                headers[values: .setCookie] = [cookie(IdentityPrincipals.sessionCookie, session.token, maxAge: maxAge, path: "/"),
                                               cookie(Self.loginCSRFCookie, "", maxAge: 0, path: "/admin/login")]
                return Response(status: .seeOther, headers: headers)
            } catch let failure as AuthenticationFailure {
                let token = Secrets.newToken()
                var retryAfter: Int?
                var status = HTTPResponse.Status.unauthorized
                if case .throttled(let seconds) = failure { retryAfter = seconds; status = .tooManyRequests }
                var headers: HTTPFields = [.setCookie: cookie(Self.loginCSRFCookie, token, maxAge: 3600, path: "/admin/login")]
                if let retryAfter { headers[.retryAfter] = String(retryAfter) }
                return html(try renderer.login(error: failure.description, email: email, csrfToken: token, retryAfter: retryAfter), status: status, headers: headers)
            }
        }
        admin.post("logout") { request, _ in
            let (session, _) = try await signedIn(request)
            let form = try await formFields(request)
            guard let session, store.verifyCSRF(session: session, token: form["csrf_token"] ?? "") else { return csrfRefused() }
            if let token = IdentityPrincipals.cookie(IdentityPrincipals.sessionCookie, in: request.headers) {
                _ = try await Blocking.run { [store] in try store.endSession(token) }
            }
            return Response(status: .seeOther, headers: [.location: "/admin/login", .setCookie: cookie(IdentityPrincipals.sessionCookie, "", maxAge: 0, path: "/")])
        }
        admin.get("") { request, _ in
            guard case (let session?, let user) = try await signedIn(request), let user else { return toLogin() }
            let plugins = backend.plugins()
            let deadLetters = (try? await Blocking.run { [backend] in try backend.deadLetters() })?.filter { !$0.replayed }.count ?? 0
            let swaps = ((try? await Blocking.run { [backend] in try backend.swapHistory(nil) }) ?? []).suffix(10).reversed().map(Self.swapRow)
            return html(try renderer.dashboard(user: user, license: backend.license(), plugins: plugins, deadLetterCount: deadLetters,
                                               csrfToken: session.csrfToken, flash: request.uri.queryParameters["flash"].map(String.init),
                                               swaps: Array(swaps)))
        }
        admin.get("notifications") { request, _ in
            guard case (let session?, let user) = try await signedIn(request), let user else { return toLogin() }
            let rows = try await Blocking.run { [backend] in try backend.failedNotifications() }
            return html(try renderer.notificationFailures(user: user, license: backend.license(), rows: rows, csrfToken: session.csrfToken,
                                                          flash: request.uri.queryParameters["flash"].map(String.init)))
        }
        admin.get("dead-letters") { request, _ in
            guard case (let session?, let user) = try await signedIn(request), let user else { return toLogin() }
            let rows = try await Blocking.run { [backend] in try backend.deadLetters() }
            return html(try renderer.deadLetters(user: user, license: backend.license(), rows: rows, csrfToken: session.csrfToken,
                                                 flash: request.uri.queryParameters["flash"].map(String.init)))
        }
        admin.get("settings") { request, _ in
            guard case (let session?, let user) = try await signedIn(request), let user else { return toLogin() }
            return html(try renderer.settings(user: user, license: backend.license(), forms: backend.settingsForms(), csrfToken: session.csrfToken,
                                              flash: request.uri.queryParameters["flash"].map(String.init)))
        }
        admin.post("dead-letters/{id}/replay") { request, context in
            try await consoleAction(request, permission: "admin.write", back: "/admin/dead-letters") { [backend] in
                guard let id = UUID(uuidString: try context.parameters.require("id")) else { return "That is not a dead letter id." }
                try backend.replay(id)
                return "Replay requested; the host serving the subscriber delivers it at its next batch."
            }
        }
        admin.post("settings/{plugin}") { request, context in
            let plugin = try context.parameters.require("plugin")
            let form = try await formFields(request)
            let values = form.filter { $0.key != "csrf_token" }
            return try await consoleAction(request, form: form, permission: "admin.write", back: "/admin/settings") { [backend] in
                try backend.updateSettings(plugin, values: values)
            }
        }
        admin.post("plugins/{id}/:action") { request, context in
            let id = try context.parameters.require("id"), action = try context.parameters.require("action")
            return try await consoleAction(request, permission: "admin.write", back: "/admin") { [backend] in
                switch action {
                case "activate": try backend.activate(id); return "\(id) activated."
                case "deactivate": try backend.deactivate(id); return "\(id) deactivated."
                default: return "Unknown action \(action)."
                }
            }
        }
    }

    /// A console form post: signed-in staff with `permission`, a valid CSRF token, then
    /// `work`; back to `back` with the outcome as a flash message.
    private func consoleAction(_ request: Request, form: [String: String]? = nil, permission: String, back: String,
                               _ work: @escaping @Sendable () throws -> String) async throws -> Response {
        guard case (let session?, _) = try await signedIn(request) else { return toLogin() }
        let fields: [String: String]
        if let form { fields = form } else { fields = try await formFields(request) }
        guard store.verifyCSRF(session: session, token: fields["csrf_token"] ?? "") else { return csrfRefused() }
        guard session.principal.can(permission) else {
            return redirect(back, flash: "You need the permission \(permission) for that.")
        }
        let message: String
        do { message = try await Blocking.run(work) } catch { message = "Not done: \(error)" }
        return redirect(back, flash: message)
    }

    /// The staff session of the request, or (nil, nil).
    private func signedIn(_ request: Request) async throws -> (Session?, ConsoleUser?) {
        guard let token = IdentityPrincipals.cookie(IdentityPrincipals.sessionCookie, in: request.headers) else { return (nil, nil) }
        guard let session = try await Blocking.run({ [store] in try store.session(token) }), session.principal.kind == .staff else { return (nil, nil) }
        let email = session.principal.email ?? ""
        return (session, ConsoleUser(email: email, displayName: session.principal.displayName ?? email))
    }

    private func toLogin() -> Response { Response(status: .seeOther, headers: [.location: "/admin/login"]) }

    private func redirect(_ path: String, flash: String) -> Response {
        let query = flash.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return Response(status: .seeOther, headers: [.location: "\(path)?flash=\(query)"])
    }

    private func csrfRefused() -> Response {
        Problem(.forbidden, "Forbidden", detail: "the form's CSRF token is missing or wrong; reload the page and try again")
            .response(requestID: "console")
    }


    private func cookie(_ name: String, _ value: String, maxAge: Int, path: String) -> String {
        "\(name)=\(value); Path=\(path); Max-Age=\(max(0, maxAge)); HttpOnly; SameSite=Lax" + (secureCookies ? "; Secure" : "")
    }

    /// `application/x-www-form-urlencoded` fields; a repeated name keeps its last value
    /// (a checkbox posts a hidden "false" and then "true" when ticked).
    private func formFields(_ request: Request) async throws -> [String: String] {
        var request = request
        let body = try await request.collectBody(upTo: 64 << 10)
        var components = URLComponents()
        components.percentEncodedQuery = String(buffer: body).replacingOccurrences(of: "+", with: "%20")
        var fields: [String: String] = [:]
        for item in components.queryItems ?? [] { fields[item.name] = item.value ?? "" }
        return fields
    }
}

func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count else { return false }
    return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
}
