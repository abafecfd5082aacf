import EOPIdentity
import Foundation
import Testing

@Suite("Staff and customer login")
struct AuthenticationTests {
    @Test("a created staff user logs in, email ignoring case, with the role's permissions")
    func staffLogsIn() async throws {
        let f = try await IdentityFixture.make()
        let user = try f.staff("Ada@Example.com")
        let principal = try f.store.authenticateStaff(email: "ada@EXAMPLE.com", password: IdentityFixture.password, client: "10.0.0.1")
        #expect(principal.kind == .staff)
        #expect(principal.id == user.id)
        #expect(principal.email == "Ada@Example.com")
        #expect(principal.displayName == "Ada")
        #expect(principal.permissions == ["catalog.product.write"])
    }

    @Test("an unknown email and a wrong password give the same error and message")
    func sameErrorForUnknownEmailAndWrongPassword() async throws {
        let f = try await IdentityFixture.make()
        _ = try f.staff()
        let wrong = thrown(AuthenticationFailure.self) {
            try f.store.authenticateStaff(email: "ada@example.com", password: "not the password", client: "c")
        }
        let unknown = thrown(AuthenticationFailure.self) {
            try f.store.authenticateStaff(email: "nobody@example.com", password: IdentityFixture.password, client: "c")
        }
        #expect(wrong == .invalidCredentials)
        #expect(unknown == .invalidCredentials)
        #expect(wrong?.description == unknown?.description)
    }

    @Test("the 6th failure throttles, the right password is refused with retryAfter until the window passes")
    func accountThrottle() async throws {
        let f = try await IdentityFixture.make()
        _ = try f.staff()
        for attempt in 1...5 {
            let failure = thrown(AuthenticationFailure.self) {
                try f.store.authenticateStaff(email: "ada@example.com", password: "wrong password \(attempt)", client: "client-\(attempt)")
            }
            #expect(failure == .invalidCredentials, "attempt \(attempt)")
            f.clock.advance(by: 60)
        }
        // Failures at t, t+60 … t+240; the 6th at t+300 crosses the limit.
        let sixth = thrown(AuthenticationFailure.self) {
            try f.store.authenticateStaff(email: "ada@example.com", password: "wrong again", client: "client-6")
        }
        #expect(sixth == .throttled(retryAfter: 600))
        let right = thrown(AuthenticationFailure.self) {
            try f.store.authenticateStaff(email: "ada@example.com", password: IdentityFixture.password, client: "client-7")
        }
        #expect(right == .throttled(retryAfter: 600))
        f.clock.advance(by: 599)
        let almost = thrown(AuthenticationFailure.self) {
            try f.store.authenticateStaff(email: "ada@example.com", password: IdentityFixture.password, client: "client-7")
        }
        #expect(almost == .throttled(retryAfter: 1))
        f.clock.advance(by: 1)
        let principal = try f.store.authenticateStaff(email: "ada@example.com", password: IdentityFixture.password, client: "client-7")
        #expect(principal.email == "ada@example.com")
    }

    @Test("a successful login clears the account's earlier failures")
    func successResetsAccountCount() async throws {
        let f = try await IdentityFixture.make()
        _ = try f.staff()
        for _ in 1...5 {
            _ = thrown(AuthenticationFailure.self) { try f.store.authenticateStaff(email: "ada@example.com", password: "nope nope nope", client: "c") }
        }
        _ = try f.store.authenticateStaff(email: "ada@example.com", password: IdentityFixture.password, client: "c")
        let next = thrown(AuthenticationFailure.self) {
            try f.store.authenticateStaff(email: "ada@example.com", password: "nope nope nope", client: "c")
        }
        #expect(next == .invalidCredentials)
    }

    @Test("more than 20 failures from one client key throttle that client for every account, not others")
    func clientThrottle() async throws {
        let f = try await IdentityFixture.make()
        _ = try f.staff()
        for n in 1...20 {
            let failure = thrown(AuthenticationFailure.self) {
                try f.store.authenticateStaff(email: "guess\(n)@example.com", password: "whatever123", client: "203.0.113.9")
            }
            #expect(failure == .invalidCredentials, "attempt \(n)")
        }
        let twentyFirst = thrown(AuthenticationFailure.self) {
            try f.store.authenticateStaff(email: "guess21@example.com", password: "whatever123", client: "203.0.113.9")
        }
        #expect(twentyFirst == .throttled(retryAfter: 900))
        let rightPassword = thrown(AuthenticationFailure.self) {
            try f.store.authenticateStaff(email: "ada@example.com", password: IdentityFixture.password, client: "203.0.113.9")
        }
        #expect(rightPassword == .throttled(retryAfter: 900))
        let elsewhere = try f.store.authenticateStaff(email: "ada@example.com", password: IdentityFixture.password, client: "198.51.100.1")
        #expect(elsewhere.kind == .staff)
    }

    @Test("a disabled user is refused with the right password, and its sessions and tokens stop working")
    func disabledUser() async throws {
        let f = try await IdentityFixture.make()
        let user = try f.staff()
        let principal = try f.store.authenticateStaff(email: "ada@example.com", password: IdentityFixture.password, client: "c")
        let issued = try f.store.createSession(for: principal)
        let token = try f.store.createAPIToken(userID: user.id, name: "ci")
        try f.store.setStaffDisabled(user.id, true)
        let right = thrown(AuthenticationFailure.self) {
            try f.store.authenticateStaff(email: "ada@example.com", password: IdentityFixture.password, client: "c")
        }
        #expect(right == .disabled)
        let wrong = thrown(AuthenticationFailure.self) {
            try f.store.authenticateStaff(email: "ada@example.com", password: "wrong password", client: "c")
        }
        #expect(wrong == .invalidCredentials)
        #expect(try f.store.session(issued.token) == nil)
        #expect(try f.store.principal(forBearer: token) == nil)
        try f.store.setStaffDisabled(user.id, false)
        #expect(try f.store.authenticateStaff(email: "ada@example.com", password: IdentityFixture.password, client: "c").id == user.id)
    }

    @Test("a customer registers, logs in, and a wrong password is refused")
    func customerLogin() async throws {
        let f = try await IdentityFixture.make()
        let customer = try f.store.registerCustomer(email: "grace@example.com", password: IdentityFixture.password, name: "Grace")
        let principal = try f.store.authenticateCustomer(email: "GRACE@example.com", password: IdentityFixture.password, client: "c")
        #expect(principal == Principal(kind: .customer, id: customer.id, email: "grace@example.com", displayName: "Grace"))
        #expect(principal.permissions.isEmpty)
        let wrong = thrown(AuthenticationFailure.self) {
            try f.store.authenticateCustomer(email: "grace@example.com", password: "wrong password", client: "c")
        }
        #expect(wrong == .invalidCredentials)
        // Customer and staff accounts are separate: the customer cannot log in as staff.
        let asStaff = thrown(AuthenticationFailure.self) {
            try f.store.authenticateStaff(email: "grace@example.com", password: IdentityFixture.password, client: "c")
        }
        #expect(asStaff == .invalidCredentials)
    }
}
