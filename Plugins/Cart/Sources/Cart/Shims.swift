// TEMPORARY until the host's hooks land on main (BRIEFING: HOOKS). Deleted by that merge.
import EOPABI
import EOPSDK

struct HookReply {
    var plugin: String
    var json: String
}

extension HostAPI {
    func hook(_ topic: String, json: String) throws(PluginError) -> [HookReply] { [] }
}

let EOP_ERR_CONFLICT: Int32 = -7
