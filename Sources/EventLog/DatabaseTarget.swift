import Foundation

/// Where the host's database is and who connects: turned into a libpq conninfo string.
public struct DatabaseTarget: Sendable, Equatable {
    /// A host name, or the folder of a Unix socket.
    public var host: String
    /// The port (also names the socket file `.s.PGSQL.<port>`).
    public var port: Int
    /// The database.
    public var database: String
    /// The user.
    public var user: String
    /// The password, if any.
    public var password: String?

    /// Creates a target.
    public init(host: String, port: Int = 5432, database: String, user: String, password: String?) {
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.password = password
    }

    /// Parses `postgresql://user:password@host:port/database` (`?host=/socket/dir` allowed).
    public init(url text: String) throws {
        guard let url = URLComponents(string: text), ["postgres", "postgresql"].contains(url.scheme ?? "") else {
            throw DatabaseTargetError("EOP_DATABASE_URL is not a postgresql://user:password@host:port/database URL (not shown: it may hold a password)")
        }
        let socketHost = url.queryItems?.first { $0.name == "host" }?.value
        guard let host = socketHost ?? url.host, !host.isEmpty else { throw DatabaseTargetError("EOP_DATABASE_URL: no host") }
        let database = String(url.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw DatabaseTargetError("EOP_DATABASE_URL: no database name after the host") }
        guard let user = url.user, !user.isEmpty else { throw DatabaseTargetError("EOP_DATABASE_URL: no user") }
        self.init(host: host, port: url.port ?? 5432, database: database, user: user, password: url.password)
    }

    /// The same server and database as another user.
    public func asUser(_ user: String, password: String) -> DatabaseTarget {
        DatabaseTarget(host: host, port: port, database: database, user: user, password: password)
    }

    /// `host='…' port='…' dbname='…' user='…' password='…'` with libpq quoting.
    public var conninfo: String {
        func q(_ v: String) -> String { "'" + v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'" }
        var parts = ["host=\(q(host))", "port=\(port)", "dbname=\(q(database))", "user=\(q(user))", "application_name='eop'"]
        if let password { parts.append("password=\(q(password))") }
        return parts.joined(separator: " ")
    }

    /// For logs: never the password.
    public var redacted: String { "postgresql://\(user)@\(host):\(port)/\(database)" }
}

/// A database location the host cannot use.
public struct DatabaseTargetError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public let description: String
    init(_ description: String) { self.description = description }
}
