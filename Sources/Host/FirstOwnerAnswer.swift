import EOPABI
import EOPDispatch
import EOPIdentity
import EOPLoader
import Foundation
import Logging

/// `platform.staff.first_owner`: the host creates the first staff account (role `owner`,
/// every permission) for a setup wizard such as Launcher's, which cannot reach the identity
/// store itself. It works only on an installation with no staff user at all, so it can make
/// exactly one account, ever; afterwards staff manage accounts in the console.
///
/// Payload `{"email", "password"}` → `{"staff_id", "email"}`. `EOP_ERR_CONFLICT` when a
/// staff user exists; `EOP_ERR_INVALID` naming `email` or `password` when a rule fails.
/// The password is never logged or echoed; only its hash is stored.
public enum FirstOwnerAnswer {
    public static let topic = "platform.staff.first_owner"

    /// Makes the host answer the topic from `identity` (before the plugins boot).
    public static func install(on plugins: PluginHost, identity: IdentityStore, logger: Logger = Logger(label: "eop.identity")) throws {
        try plugins.answerInHost(topic) { event in
            answer(event, identity: identity, logger: logger)
        }
    }

    static func answer(_ event: Event, identity: IdentityStore, logger: Logger) -> QueryResult {
        // The schema (Manifests/events/platform.staff.first_owner.json) has checked both are strings.
        guard let body = try? JSONSerialization.jsonObject(with: event.payload) as? [String: Any],
              let email = body["email"] as? String, let password = body["password"] as? String else {
            return QueryResult(status: EOP_ERR_INVALID, message: "the payload needs \"email\" and \"password\" strings")
        }
        do {
            let owner = try identity.createFirstOwner(email: email, password: password)
            logger.notice("first owner created", metadata: ["by": "\(event.source)", "staff": "\(owner.id.uuidString.lowercased())"])
            let reply = try JSONSerialization.data(withJSONObject: ["staff_id": owner.id.uuidString.lowercased(), "email": owner.email], options: [.sortedKeys])
            return QueryResult(status: EOP_OK, reply: reply)
        } catch IdentityError.staffAlreadyExists {
            return QueryResult(status: EOP_ERR_CONFLICT, message: "a staff account exists already; the first owner is created once, on an empty installation")
        } catch let error as IdentityError {
            return QueryResult(status: EOP_ERR_INVALID, message: error.description)
        } catch {
            logger.error("first owner not created", metadata: ["by": "\(event.source)", "error": "\(error)"])
            return QueryResult(status: EOP_ERR_INTERNAL, message: "the identity store failed; see the host log")
        }
    }
}
