/// Statuses the tests compare command answers with.
enum CartStatusForTests {
    /// TEMPORARY: EOP_ERR_CONFLICT from eop/types.h once the host's hooks change lands.
    static let conflict: Int32 = -7
}
