import EOPABI

/// Statuses the tests compare command answers with.
enum CartStatusForTests {
    static let conflict: Int32 = EOP_ERR_CONFLICT
}
