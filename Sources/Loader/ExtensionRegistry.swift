import Synchronization

/// Optional capabilities by id (`eop.sql.v1`): host modules register their tables here,
/// plugins look them up with get_extension(). An id never changes meaning: a break is a new id.
public final class ExtensionRegistry: @unchecked Sendable {
    private let tables = Mutex<[String: UInt]>([:])  // addresses; the tables are immutable

    /// An empty registry.
    public init() {}

    /// Offers a table under `id`; the pointer must stay valid while the host runs.
    public func register(_ id: String, table: UnsafeRawPointer) {
        tables.withLock { $0[id] = UInt(bitPattern: table) }
    }

    /// The table for `id`, or nil.
    public func lookup(_ id: String) -> UnsafeRawPointer? {
        tables.withLock { $0[id] }.flatMap { UnsafeRawPointer(bitPattern: $0) }
    }

    /// Registered ids, sorted.
    public var ids: [String] { tables.withLock { $0.keys.sorted() } }
}
