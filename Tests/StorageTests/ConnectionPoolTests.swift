import EOPStorage
import EOPTesting
import Foundation
import Testing

@Suite("ConnectionPool against a real cluster")
struct ConnectionPoolTests {
    @Test("a busy pool blocks, then times out with an error naming the pool and the wait")
    func blocksThenTimesOut() async throws {
        let pool = ConnectionPool(name: "orders", conninfo: try await TestCluster.connectionString(), maxConnections: 1)
        defer { pool.close() }
        let held = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            try? pool.withConnection { _ in
                held.signal()
                Thread.sleep(forTimeInterval: 2.0)
            }
            finished.signal()
        }
        held.wait()
        let start = ContinuousClock.now
        let error = try #require(throws: ConnectionPoolError.self) {
            try pool.withConnection(timeout: .milliseconds(300)) { _ in }
        }
        let waited = ContinuousClock.now - start
        #expect(waited >= .milliseconds(290))
        #expect(waited < .milliseconds(1_500))  // did not wait for the holder
        guard case let .timedOut(name, _, max) = error else { Issue.record("wrong error \(error)"); return }
        #expect(name == "orders")
        #expect(max == 1)
        #expect(error.description.contains("'orders'"))
        #expect(error.description.contains("waiting"))

        // A patient borrower gets the connection once the holder returns it.
        let value = try pool.withConnection(timeout: .seconds(5)) { conn in
            try conn.execute("SELECT 41 + 1").int64(row: 0, column: 0)
        }
        #expect(value == 42)
        finished.wait()
        #expect(pool.openConnections == 1)
    }

    @Test("connections are opened lazily and reused")
    func lazyAndReused() async throws {
        let pool = ConnectionPool(name: "lazy", conninfo: try await TestCluster.connectionString(), maxConnections: 3)
        defer { pool.close() }
        #expect(pool.openConnections == 0)
        let first = try pool.withConnection { $0.backendProcessID }
        let second = try pool.withConnection { $0.backendProcessID }
        #expect(first == second)
        #expect(pool.openConnections == 1)
        #expect(pool.idleConnections == 1)
    }

    @Test("a broken connection is replaced by a fresh one")
    func brokenReplaced() async throws {
        let admin = try await TestCluster.connect()
        let pool = ConnectionPool(name: "heal", conninfo: try await TestCluster.connectionString(), maxConnections: 1)
        defer { pool.close() }
        let victim = try pool.withConnection { $0.backendProcessID }
        _ = try admin.execute("SELECT pg_terminate_backend($1)", [PostgresValue(Int(victim))])
        // The pool cannot know yet; the next statement fails with a connection error.
        let error = try #require(throws: PostgresError.self) {
            try pool.withConnection { try $0.execute("SELECT 1") }
        }
        #expect(error.kind == .connection || error.sqlState == "57P01")
        let (pid, one) = try pool.withConnection { conn in
            (conn.backendProcessID, try conn.execute("SELECT 1").int64(row: 0, column: 0))
        }
        #expect(pid != victim)
        #expect(one == 1)
        #expect(pool.openConnections == 1)
    }

    @Test("a connection returned inside a transaction is rolled back")
    func leakedTransactionRolledBack() async throws {
        let pool = ConnectionPool(name: "leak", conninfo: try await TestCluster.connectionString(), maxConnections: 1)
        defer { pool.close() }
        let table = TestCluster.uniqueName("leak")
        try pool.withConnection { _ = try $0.execute("CREATE TABLE \(table) (x int)") }
        try pool.withConnection { conn in
            _ = try conn.execute("BEGIN")
            _ = try conn.execute("INSERT INTO \(table) VALUES (1)")
        }
        let (status, count) = try pool.withConnection { conn in
            (conn.transactionStatus, try conn.execute("SELECT count(*) FROM \(table)").int64(row: 0, column: 0))
        }
        #expect(status == .idle)
        #expect(count == 0)
    }

    @Test("a closed pool refuses borrowers")
    func closedRefuses() async throws {
        let pool = ConnectionPool(name: "shut", conninfo: try await TestCluster.connectionString(), maxConnections: 2)
        _ = try pool.withConnection { try $0.execute("SELECT 1") }
        pool.close()
        #expect(pool.openConnections == 0)
        #expect(throws: ConnectionPoolError.closed(pool: "shut")) { try pool.withConnection { _ in } }
    }
}
