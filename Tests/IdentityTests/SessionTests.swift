import EOPIdentity
import Foundation
import Testing

@Suite("Sessions and CSRF")
struct SessionTests {
    @Test("a session round-trips: token resolves to the principal and its CSRF token; ending it forgets it")
    func roundTrip() async throws {
        let f = try await IdentityFixture.make()
        _ = try f.staff()
        let principal = try f.store.authenticateStaff(email: "ada@example.com", password: IdentityFixture.password, client: "c")
        let issued = try f.store.createSession(for: principal)
        #expect(issued.token.count == 43)  // 32 bytes, base64url, no padding
        #expect(issued.expires == f.clock.now.addingTimeInterval(f.store.configuration.staffSessions.idleTimeout))
        let session = try #require(try f.store.session(issued.token))
        #expect(session.principal == principal)
        #expect(session.csrfToken == issued.csrfToken)
        #expect(try f.store.session(issued.token + "x") == nil)
        #expect(try f.store.endSession(issued.token))
        #expect(try f.store.session(issued.token) == nil)
        #expect(try f.store.endSession(issued.token) == false)
    }

    @Test("use slides the idle expiry; idleness ends the session")
    func slidingExpiry() async throws {
        let f = try await IdentityFixture.make()  // staff: idle 30 min, absolute 12 h
        _ = try f.staff()
        let principal = try f.store.authenticateStaff(email: "ada@example.com", password: IdentityFixture.password, client: "c")
        let issued = try f.store.createSession(for: principal)
        f.clock.advance(by: 20 * 60)
        let first = try #require(try f.store.session(issued.token))
        #expect(first.expiresAt == f.clock.now.addingTimeInterval(30 * 60))
        f.clock.advance(by: 20 * 60)  // 40 min after creation, 20 after last use: still alive
        #expect(try f.store.session(issued.token) != nil)
        f.clock.advance(by: 30 * 60)  // 30 min idle: gone
        #expect(try f.store.session(issued.token) == nil)
        f.clock.advance(by: -30 * 60)  // the expired session was deleted, not just hidden
        #expect(try f.store.session(issued.token) == nil)
    }

    @Test("the absolute timeout ends a session however often it is used")
    func absoluteExpiry() async throws {
        var configuration = IdentityConfiguration(bcryptCost: 4)
        configuration.guestSessions = SessionLifetime(idleTimeout: 3600, absoluteTimeout: 2 * 3600)
        let f = try await IdentityFixture.make(configuration: configuration)
        let issued = try f.store.createGuestSession()
        #expect(issued.absoluteExpires == f.clock.now.addingTimeInterval(7200))
        for _ in 0..<2 {
            f.clock.advance(by: 50 * 60)
            #expect(try f.store.session(issued.token)?.principal.kind == .guest)
        }
        f.clock.advance(by: 15 * 60)  // 115 min: alive, expiry capped at the absolute limit
        #expect(try f.store.session(issued.token)?.expiresAt == issued.absoluteExpires)
        f.clock.advance(by: 5 * 60)  // 120 min
        #expect(try f.store.session(issued.token) == nil)
    }

    @Test("guest sessions get distinct guest principals with no email or permissions")
    func guestSessions() async throws {
        let f = try await IdentityFixture.make()
        let a = try f.store.createGuestSession()
        let b = try f.store.createGuestSession()
        #expect(a.principal.kind == .guest)
        #expect(a.principal.id != b.principal.id)
        let session = try #require(try f.store.session(a.token))
        #expect(session.principal == a.principal)
        #expect(session.principal.email == nil && session.principal.permissions.isEmpty)
    }

    @Test("CSRF: the session's own token verifies; another session's, a tampered or an empty one does not")
    func csrf() async throws {
        let f = try await IdentityFixture.make()
        let issued = try f.store.createGuestSession()
        let other = try f.store.createGuestSession()
        let session = try #require(try f.store.session(issued.token))
        #expect(f.store.verifyCSRF(session: session, token: issued.csrfToken))
        #expect(!f.store.verifyCSRF(session: session, token: other.csrfToken))
        var tampered = Array(issued.csrfToken)
        tampered[5] = tampered[5] == "A" ? "B" : "A"
        #expect(!f.store.verifyCSRF(session: session, token: String(tampered)))
        #expect(!f.store.verifyCSRF(session: session, token: ""))
        #expect(!f.store.verifyCSRF(session: session, token: "not base64 !!"))
        #expect(!f.store.verifyCSRF(session: session, token: issued.token))
    }

    @Test("a session sees permission changes made after login")
    func livePermissions() async throws {
        let f = try await IdentityFixture.make()
        let user = try f.staff(permissions: ["catalog.product.read"])
        try f.store.createRole("orders", permissions: ["orders.order.refund"])
        let principal = try f.store.authenticateStaff(email: "ada@example.com", password: IdentityFixture.password, client: "c")
        let issued = try f.store.createSession(for: principal)
        #expect(try f.store.session(issued.token)?.principal.can("orders.order.refund") == false)
        try f.store.grant(role: "orders", to: user.id)
        #expect(try f.store.session(issued.token)?.principal.can("orders.order.refund") == true)
        try f.store.revoke(role: "orders", from: user.id)
        #expect(try f.store.session(issued.token)?.principal.can("orders.order.refund") == false)
    }
}
