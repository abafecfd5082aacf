import EOPIdentity
import Foundation
import Testing

@Suite("Staff API tokens")
struct APITokenTests {
    @Test("a token resolves to its staff principal until revoked")
    func roundTripAndRevocation() async throws {
        let f = try await IdentityFixture.make()
        let user = try f.staff(permissions: ["catalog.product.write", "orders.order.read"])
        let token = try f.store.createAPIToken(userID: user.id, name: "CI deploy")
        #expect(token.hasPrefix("eop_"))
        #expect(token.count == 4 + 43)
        let principal = try #require(try f.store.principal(forBearer: token))
        #expect(principal.kind == .staff && principal.id == user.id)
        #expect(principal.permissions == ["catalog.product.write", "orders.order.read"])
        #expect(try f.store.principal(forBearer: "eop_" + String(repeating: "A", count: 43)) == nil)
        #expect(try f.store.principal(forBearer: String(token.dropFirst(4))) == nil)

        let listed = try f.store.apiTokens(of: user.id)
        #expect(listed.count == 1 && listed[0].name == "CI deploy" && listed[0].lastUsedAt != nil)
        #expect(try f.store.revokeAPIToken(id: listed[0].id))
        #expect(try f.store.principal(forBearer: token) == nil)
        #expect(try f.store.revokeAPIToken(id: listed[0].id) == false)
        #expect(try f.store.apiTokens(of: user.id)[0].revokedAt != nil)
    }

    @Test("a token can be revoked by its value; a revoked token's name can be reused")
    func revokeByValue() async throws {
        let f = try await IdentityFixture.make()
        let user = try f.staff()
        let token = try f.store.createAPIToken(userID: user.id, name: "laptop")
        #expect(thrown(IdentityError.self) { try f.store.createAPIToken(userID: user.id, name: "laptop") }
            == .duplicateTokenName(field: "name", name: "laptop"))
        #expect(try f.store.revokeAPIToken(token))
        #expect(try f.store.principal(forBearer: token) == nil)
        let again = try f.store.createAPIToken(userID: user.id, name: "laptop")
        #expect(again != token)
        #expect(try f.store.principal(forBearer: again)?.id == user.id)
    }

    @Test("a token for an unknown user is refused naming userID")
    func unknownUser() async throws {
        let f = try await IdentityFixture.make()
        let id = UUID()
        let error = thrown(IdentityError.self) { try f.store.createAPIToken(userID: id, name: "x") }
        #expect(error == .unknownStaff(field: "userID", id: id))
        #expect(error?.description.hasPrefix("userID:") == true)
    }
}
