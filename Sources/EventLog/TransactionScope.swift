import EOPDispatch
import EOPStorage
import Foundation

/// A transaction a plugin's SQL runs in on this thread: the delivery transaction the
/// consumer opened around a handler, or one the plugin opened with `begin()`.
final class ActiveTransaction {
    enum Kind { case delivery, explicit }

    let pluginID: String
    let connection: PostgresConnection
    let kind: Kind
    /// Delivery only: the savepoint around the current handler call, opened on its first
    /// statement or publish, so a handler that touches no SQL costs no round trip.
    var handlerSavepointOpen = false
    /// Savepoints the plugin opened with begin() inside a delivery, each with the number
    /// of facts pending when it was opened (a rollback to it drops the later ones).
    var userSavepoints: [Int] = []
    /// The first statement that failed inside the current handler call: PostgreSQL has
    /// aborted the transaction to the savepoint, so the handler cannot succeed.
    var failedStatement: String?
    /// Facts published in this transaction, written in one call just before it commits
    /// (`eop.enqueue_batch`) and simply dropped when it rolls back.
    var pending: [Event] = []
    /// Explicit only: gives the connection back to the module's pool.
    let finish: (() -> Void)?

    init(pluginID: String, connection: PostgresConnection, kind: Kind, finish: (() -> Void)? = nil) {
        self.pluginID = pluginID
        self.connection = connection
        self.kind = kind
        self.finish = finish
    }

    /// Opens the handler's savepoint if this is a delivery and it is not open yet.
    func enterHandlerSavepoint() throws {
        guard kind == .delivery, !handlerSavepointOpen else { return }
        _ = try connection.execute("SAVEPOINT eop_handler", [])
        handlerSavepointOpen = true
    }
}

/// The transactions open on the current thread, by plugin id.
enum TransactionScope {
    private static let key = "eop.transactions"

    private final class Box { var byPlugin: [String: ActiveTransaction] = [:] }

    private static var box: Box {
        if let box = Thread.current.threadDictionary[key] as? Box { return box }
        let box = Box()
        Thread.current.threadDictionary[key] = box
        return box
    }

    static func current(_ pluginID: String) -> ActiveTransaction? { box.byPlugin[pluginID] }
    static func set(_ tx: ActiveTransaction?, for pluginID: String) { box.byPlugin[pluginID] = tx }

    /// The last SQLSTATE of a failed SQL call on this thread.
    static var lastSQLState: String {
        get { Thread.current.threadDictionary["eop.sqlstate"] as? String ?? "" }
        set { Thread.current.threadDictionary["eop.sqlstate"] = newValue }
    }
}
