import EOPIdentity
import Foundation
import Testing

@Suite("Staff, roles, permissions and input rules")
struct StaffAndRoleTests {
    @Test("can() grants listed permissions only, and * grants everything")
    func permissionCheck() {
        let editor = Principal(kind: .staff, id: UUID(), permissions: ["catalog.product.write"])
        #expect(editor.can("catalog.product.write"))
        #expect(!editor.can("catalog.product.delete"))
        #expect(!editor.can("catalog"))
        let owner = Principal(kind: .staff, id: UUID(), permissions: ["*"])
        #expect(owner.can("catalog.product.delete") && owner.can("anything.at.all"))
        #expect(!Principal(kind: .guest, id: UUID()).can("catalog.product.read"))
    }

    @Test("permissions(of:) is the union of the user's roles, and follows grant and revoke")
    func permissionsOfUser() async throws {
        let f = try await IdentityFixture.make()
        try f.store.createRole("catalog-editor", permissions: ["catalog.product.write", "catalog.product.read"])
        try f.store.createRole("support", permissions: ["orders.order.read", "catalog.product.read"])
        let user = try f.store.createStaff(email: "ada@example.com", password: IdentityFixture.password, displayName: "Ada", roles: ["catalog-editor"])
        #expect(try f.store.permissions(of: user.id) == ["catalog.product.write", "catalog.product.read"])
        try f.store.grant(role: "support", to: user.id)
        #expect(try f.store.permissions(of: user.id) == ["catalog.product.write", "catalog.product.read", "orders.order.read"])
        #expect(try f.store.staffUser(user.id)?.roles == ["catalog-editor", "support"])
        try f.store.revoke(role: "catalog-editor", from: user.id)
        #expect(try f.store.permissions(of: user.id) == ["orders.order.read", "catalog.product.read"])
        try f.store.setPermissions(ofRole: "support", to: ["*"])
        #expect(try f.store.permissions(of: user.id) == ["*"])
        #expect(thrown(IdentityError.self) { try f.store.grant(role: "nope", to: user.id) } == .unknownRole(field: "role", name: "nope"))
    }

    @Test("malformed permissions and role names are refused, naming the field")
    func permissionValidation() async throws {
        let f = try await IdentityFixture.make()
        for bad in ["catalog", "Catalog.product", "catalog..write", "catalog.*", ".catalog", "catalog.product ", ""] {
            let error = thrown(IdentityError.self) { try f.store.createRole("r", permissions: ["ok.fine", bad]) }
            #expect(error == .invalidPermission(field: "permissions", permission: bad), "\(bad)")
            #expect(error?.description.hasPrefix("permissions:") == true)
        }
        try f.store.createRole("good_role-1", permissions: ["a.b", "x-y.z_1.w", "*"])
        #expect(try f.store.roles().first?.permissions == ["*", "a.b", "x-y.z_1.w"])
        #expect(thrown(IdentityError.self) { try f.store.createRole("Bad Role", permissions: []) }
            == .invalidRoleName(field: "name", name: "Bad Role"))
        #expect(thrown(IdentityError.self) { try f.store.createRole("good_role-1", permissions: []) }
            == .roleExists(field: "name", name: "good_role-1"))
        #expect(thrown(IdentityError.self) {
            try f.store.createStaff(email: "a@example.com", password: IdentityFixture.password, displayName: "A", roles: ["ghost"])
        } == .unknownRole(field: "roles", name: "ghost"))
        #expect(try f.store.hasAnyStaff() == false)  // the failed create left nothing behind
    }

    @Test("password rules: too short, equal to the email, too long — each error says which rule")
    func passwordRules() async throws {
        let f = try await IdentityFixture.make()
        let short = thrown(IdentityError.self) { try f.store.createStaff(email: "ada@example.com", password: "123456789", displayName: "Ada") }
        #expect(short == .passwordTooShort(field: "password", minimum: 10))
        #expect(short?.description == "password: must be at least 10 characters")
        let sameAsEmail = thrown(IdentityError.self) {
            try f.store.registerCustomer(email: "longname@example.com", password: "LongName@Example.com", name: "L")
        }
        #expect(sameAsEmail == .passwordEqualsEmail(field: "password"))
        #expect(sameAsEmail?.description.contains("email") == true)
        let long = thrown(IdentityError.self) {
            try f.store.createStaff(email: "ada@example.com", password: String(repeating: "x", count: 73), displayName: "Ada")
        }
        #expect(long == .passwordTooLong(field: "password", maximumBytes: 72))
        let email = thrown(IdentityError.self) { try f.store.registerCustomer(email: "not-an-email", password: IdentityFixture.password, name: "N") }
        #expect(email?.field == "email")
        let name = thrown(IdentityError.self) { try f.store.createStaff(email: "ada@example.com", password: IdentityFixture.password, displayName: "  ") }
        #expect(name == .invalidName(field: "displayName", reason: "must not be empty"))
        _ = try f.store.createStaff(email: "ada@example.com", password: "0123456789", displayName: "Ada")  // exactly 10 is fine
    }

    @Test("a second account with the same email in another case is refused, for staff and customers")
    func duplicateEmail() async throws {
        let f = try await IdentityFixture.make()
        _ = try f.store.createStaff(email: "Ada@Example.com", password: IdentityFixture.password, displayName: "Ada")
        #expect(thrown(IdentityError.self) {
            try f.store.createStaff(email: "ada@example.COM", password: IdentityFixture.password, displayName: "Other")
        } == .duplicateEmail(field: "email", email: "ada@example.COM"))
        _ = try f.store.registerCustomer(email: "ada@example.com", password: IdentityFixture.password, name: "Ada")  // separate namespace
        #expect(thrown(IdentityError.self) {
            try f.store.registerCustomer(email: " ADA@example.com ", password: IdentityFixture.password, name: "Ada")
        } == .duplicateEmail(field: "email", email: "ADA@example.com"))
    }

    @Test("first run: no staff, then an owner holding *, and a second first-run is refused")
    func firstOwner() async throws {
        let f = try await IdentityFixture.make()
        #expect(try f.store.hasAnyStaff() == false)
        let owner = try f.store.createFirstOwner(email: "owner@example.com", password: IdentityFixture.password)
        #expect(try f.store.hasAnyStaff())
        #expect(owner.roles == ["owner"])
        let principal = try f.store.authenticateStaff(email: "owner@example.com", password: IdentityFixture.password, client: "c")
        #expect(principal.permissions == ["*"])
        #expect(principal.can("license.license.write"))
        #expect(thrown(IdentityError.self) { try f.store.createFirstOwner(email: "second@example.com", password: IdentityFixture.password) }
            == .staffAlreadyExists)
    }
}
