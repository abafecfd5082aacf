import EOPStorage
import EOPTesting
import Foundation
import Testing

@Suite("PostgresConnection against a real cluster")
struct ConnectionTests {
    @Test("connects over the Unix socket with no TCP listener")
    func connects() async throws {
        let conn = try await TestCluster.connect()
        #expect(conn.isAlive)
        #expect(conn.backendProcessID > 0)
        let result = try conn.execute("SELECT current_user, current_database(), current_setting('listen_addresses')")
        #expect(result.string(row: 0, column: 0) == "eop")
        #expect(result.string(row: 0, column: 1) == "eop")
        #expect(result.string(row: 0, column: 2) == "")
        conn.close()
        #expect(!conn.isAlive)
        #expect(throws: PostgresError.self) { try conn.execute("SELECT 1") }
    }

    @Test("executeCached prepares a statement once per session, survives a changed table, and drops its statements on a new schema generation")
    func cachedStatements() async throws {
        let conn = try await TestCluster.connect()
        defer { conn.close() }
        let table = "cached_\(UUID().uuidString.prefix(8).lowercased())"
        _ = try conn.execute("CREATE TABLE \(table) (id int PRIMARY KEY, name text)")
        defer { _ = try? conn.execute("DROP TABLE \(table)") }
        _ = try conn.execute("INSERT INTO \(table) VALUES (1, 'lamp'), (2, 'shirt')")
        func prepared() throws -> Int { Int(try conn.execute("SELECT count(*) FROM pg_prepared_statements").string(row: 0, column: 0) ?? "") ?? -1 }

        let select = "SELECT * FROM \(table) WHERE id = $1"
        #expect(try conn.executeCached(select, [PostgresValue(1)]).string(row: 0, column: 1) == "lamp")
        #expect(try conn.executeCached(select, [PostgresValue(2)]).string(row: 0, column: 1) == "shirt")
        #expect(try prepared() == 1, "one statement text, prepared once")

        // A column added behind the cache's back: SELECT * changes shape (0A000), is forgotten and run again.
        _ = try conn.execute("ALTER TABLE \(table) ADD COLUMN price int DEFAULT 5")
        let reshaped = try conn.executeCached(select, [PostgresValue(1)])
        #expect(reshaped.columnNames == ["id", "name", "price"])
        // Inside a transaction the shape change is the caller's error to see, not a silent retry.
        _ = try conn.execute("ALTER TABLE \(table) ADD COLUMN stock int DEFAULT 0")
        _ = try conn.execute("BEGIN")
        #expect(throws: PostgresError.self) { try conn.executeCached(select, [PostgresValue(1)]) }
        _ = try conn.execute("ROLLBACK")
        #expect(try conn.executeCached(select, [PostgresValue(1)]).columnNames == ["id", "name", "price", "stock"])

        // A new schema generation (migrations ran) drops every statement first.
        _ = try conn.executeCached("SELECT name FROM \(table) WHERE id = $1", [PostgresValue(2)])
        #expect(try prepared() >= 2)
        #expect(try conn.executeCached(select, [PostgresValue(2)], schemaGeneration: 1).string(row: 0, column: 1) == "shirt")
        #expect(try prepared() == 1, "only the statement used since the new generation")
        // A statement that does not parse is refused like execute's and not kept.
        #expect(throws: PostgresError.self) { try conn.executeCached("SELEC nothing", [], schemaGeneration: 1) }
        #expect(try prepared() == 1)
    }

    @Test("each parameter type round-trips, NULL included")
    func roundTrips() async throws {
        let conn = try await TestCluster.connect()
        let text = "héllo wörld 🌍 日本語 'quoted' \\ back"
        let bytes: [UInt8] = Array(0...255) + [0, 0, 92, 120]
        let uuid = UUID()
        let date = Date(timeIntervalSince1970: 1_764_076_103.123456)
        let result = try conn.execute(
            """
            SELECT $1::text AS t, $2::bigint AS i, $3::bigint AS n, $4::float8 AS d, $5::bool AS b,
                   $6::bytea AS raw, $7::uuid AS u, $8::timestamptz AS ts, $9::text AS nothing,
                   $10::bytea AS nobytes, $11::float8 AS nan, length($6::bytea) AS len
            """,
            [PostgresValue(text), PostgresValue(Int64.min), PostgresValue(Int.max), PostgresValue(-1.5e300),
             PostgresValue(true), PostgresValue(bytes), PostgresValue(uuid), PostgresValue(date), nil,
             nil, PostgresValue(Double.nan)])
        #expect(result.rowCount == 1)
        #expect(result.columnNames == ["t", "i", "n", "d", "b", "raw", "u", "ts", "nothing", "nobytes", "nan", "len"])
        #expect(result.string(row: 0, column: 0) == text)
        #expect(try result.int64(row: 0, "i") == Int64.min)
        #expect(try result.int64(row: 0, "n") == Int64(Int.max))
        #expect(try result.double(row: 0, "d") == -1.5e300)
        #expect(try result.bool(row: 0, "b") == true)
        #expect(try result.bytes(row: 0, "raw") == bytes)
        #expect(try result.int64(row: 0, "len") == Int64(bytes.count))
        #expect(try result.uuid(row: 0, "u") == uuid)
        let back = try #require(try result.date(row: 0, "ts"))
        #expect(abs(back.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.000_002)
        #expect(try result.isNull(row: 0, "nothing"))
        #expect(result.string(row: 0, column: 8) == nil)
        #expect(try result.bytes(row: 0, "nobytes") == nil)
        #expect(try result.double(row: 0, "nan")?.isNaN == true)
        #expect(!result.isNull(row: 0, column: 0))

        let data = try conn.execute("SELECT $1::bytea, $2::bool, $3::float8", [PostgresValue(Data([1, 2, 255])), false, 0.1])
        #expect(try data.bytes(row: 0, column: 0) == [1, 2, 255])
        #expect(try data.bool(row: 0, column: 1) == false)
        #expect(try data.double(row: 0, column: 2) == 0.1)
    }

    @Test("a value that is not of the asked type throws instead of returning nil")
    func decodingFailureThrows() async throws {
        let conn = try await TestCluster.connect()
        let result = try conn.execute("SELECT 'abc'::text AS word")
        #expect(throws: PostgresError.self) { try result.int64(row: 0, column: 0) }
        #expect(throws: PostgresError.self) { try result.string(row: 0, "missing") }
    }

    @Test("a syntax error carries SQLSTATE 42601 and the server's message")
    func syntaxError() async throws {
        let conn = try await TestCluster.connect()
        let error = try #require(throws: PostgresError.self) { try conn.execute("SELEC 1") }
        #expect(error.kind == .server)
        #expect(error.sqlState == "42601")
        #expect(error.message.contains("syntax error"))
        #expect(error.description.hasPrefix("ERROR 42601: syntax error"))
        // The connection is still usable after a statement error.
        #expect(try conn.execute("SELECT 1").int64(row: 0, column: 0) == 1)
    }

    @Test("a unique violation carries SQLSTATE 23505 and the DETAIL")
    func uniqueViolation() async throws {
        let conn = try await TestCluster.connect()
        let table = TestCluster.uniqueName("uniq")
        _ = try conn.execute("CREATE TABLE \(table) (id int PRIMARY KEY)")
        _ = try conn.execute("INSERT INTO \(table) VALUES ($1)", [7])
        let error = try #require(throws: PostgresError.self) {
            try conn.execute("INSERT INTO \(table) VALUES ($1)", [7])
        }
        #expect(error.sqlState == PostgresError.uniqueViolation)
        #expect(error.detail?.contains("(id)=(7) already exists") == true)
    }

    @Test("execute refuses two statements; executeScript runs them")
    func oneStatementOnly() async throws {
        let conn = try await TestCluster.connect()
        let error = try #require(throws: PostgresError.self) { try conn.execute("SELECT 1; SELECT 2") }
        #expect(error.sqlState == "42601")
        let table = TestCluster.uniqueName("script")
        try conn.executeScript("CREATE TABLE \(table) (x int); INSERT INTO \(table) VALUES (1), (2);")
        let inserted = try conn.execute("UPDATE \(table) SET x = x + 1")
        #expect(inserted.affectedRows == 2)
        let scriptError = try #require(throws: PostgresError.self) {
            try conn.executeScript("INSERT INTO \(table) VALUES (3); SELECT * FROM no_such_table;")
        }
        #expect(scriptError.sqlState == "42P01")
        // The implicit transaction of the failed script rolled back its first insert.
        #expect(try conn.execute("SELECT count(*) FROM \(table)").int64(row: 0, column: 0) == 2)
    }

    @Test("prepared statements run with parameters")
    func prepared() async throws {
        let conn = try await TestCluster.connect()
        try conn.prepare("add", "SELECT $1::int + $2::int AS sum")
        #expect(try conn.executePrepared("add", [2, 3]).int64(row: 0, "sum") == 5)
        #expect(try conn.executePrepared("add", [40, 2]).int64(row: 0, "sum") == 42)
        let missing = try #require(throws: PostgresError.self) { try conn.executePrepared("nope", []) }
        #expect(missing.sqlState == "26000")
    }

    @Test("transaction commits, and rolls back when the body throws")
    func transactionRollback() async throws {
        struct Boom: Error {}
        let conn = try await TestCluster.connect()
        let table = TestCluster.uniqueName("tx")
        _ = try conn.execute("CREATE TABLE \(table) (x int)")
        #expect(throws: Boom.self) {
            try conn.transaction { tx in
                _ = try tx.execute("INSERT INTO \(table) VALUES (1)")
                #expect(tx.transactionStatus == .inTransaction)
                throw Boom()
            }
        }
        #expect(conn.transactionStatus == .idle)
        #expect(try conn.execute("SELECT count(*) FROM \(table)").int64(row: 0, column: 0) == 0)
        let n = try conn.transaction(isolation: .serializable) { tx in
            try tx.execute("INSERT INTO \(table) VALUES (1), (2)").affectedRows
        }
        #expect(n == 2)
        #expect(try conn.execute("SELECT count(*) FROM \(table)").int64(row: 0, column: 0) == 2)
    }

    @Test("LISTEN/NOTIFY reaches a second connection; a rolled-back NOTIFY does not")
    func listenNotify() async throws {
        let listener = try await TestCluster.connect()
        let sender = try await TestCluster.connect()
        let channel = TestCluster.uniqueName("Chan")  // mixed case: quoted identifier
        try listener.listen(channel)

        let start = ContinuousClock.now
        #expect(try listener.waitForNotifications(timeout: .milliseconds(200)).isEmpty)
        #expect(ContinuousClock.now - start >= .milliseconds(190))

        struct Abort: Error {}
        _ = try? sender.transaction { tx in
            try tx.notify(channel, payload: "never")
            throw Abort()
        }
        try sender.notify(channel, payload: "héllo")
        let received = try listener.waitForNotifications(timeout: .seconds(5))
        #expect(received == [PostgresNotification(channel: channel, payload: "héllo", senderProcessID: sender.backendProcessID)])
        #expect(try listener.waitForNotifications(timeout: .milliseconds(100)).isEmpty)
    }

    @Test("a postgresql:// URL connects too, and COPY is refused without wedging the connection")
    func urlAndCopy() async throws {
        let cluster = try await TestCluster.shared()
        let password = try String(contentsOfFile: cluster.passwordFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let host = cluster.socketDirectory.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let conn = try PostgresConnection("postgresql://eop:\(password)@/eop?host=\(host)")
        #expect(try conn.execute("SELECT current_user").string(row: 0, column: 0) == "eop")
        #expect(throws: PostgresError.self) { try conn.execute("COPY (SELECT 1) TO STDOUT") }
        #expect(throws: PostgresError.self) { try conn.executeScript("CREATE TEMP TABLE c (x int); COPY c FROM STDIN") }
        #expect(try conn.execute("SELECT 2").int64(row: 0, column: 0) == 2)
        #expect(conn.transactionStatus == .idle)
    }

    @Test("a bad password is refused with the server's reason")
    func badPassword() async throws {
        let cluster = try await TestCluster.shared()
        let conninfo = "host=\(cluster.socketDirectory) port=\(cluster.port) dbname=eop user=eop password=wrong"
        let error = try #require(throws: PostgresError.self) { try PostgresConnection(conninfo) }
        #expect(error.kind == .connection)
        #expect(error.message.contains("password authentication failed"))
    }
}
