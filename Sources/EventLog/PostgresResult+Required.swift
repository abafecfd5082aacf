import EOPStorage
import Foundation

/// Getters for values that the host's own queries never leave NULL.
extension PostgresResult {
    func text(_ row: Int, _ column: Int) throws -> String {
        guard let v = string(row: row, column: column) else { throw missing(row, column) }
        return v
    }

    func integer(_ row: Int, _ column: Int) throws -> Int64 {
        guard let v = try int64(row: row, column: column) else { throw missing(row, column) }
        return v
    }

    func flag(_ row: Int, _ column: Int) throws -> Bool {
        guard let v = try bool(row: row, column: column) else { throw missing(row, column) }
        return v
    }

    func id(_ row: Int, _ column: Int) throws -> UUID {
        guard let v = try uuid(row: row, column: column) else { throw missing(row, column) }
        return v
    }

    func data(_ row: Int, _ column: Int) throws -> Data {
        guard let v = try bytes(row: row, column: column) else { throw missing(row, column) }
        return Data(v)
    }

    private func missing(_ row: Int, _ column: Int) -> UnexpectedNull {
        UnexpectedNull(description: "row \(row) column \(columnNames[column]) is NULL where a value was expected")
    }
}

/// A host query found NULL where its schema promises a value.
struct UnexpectedNull: Error, CustomStringConvertible {
    let description: String
}
