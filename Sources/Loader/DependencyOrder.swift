import EOPManifest

/// Orders plugins so that every plugin comes after the ones it depends on, and says
/// which cannot run because a dependency is missing, of the wrong version, or in a cycle.
enum DependencyOrder {
    struct Result {
        var order: [String]
        var refusals: [String: String]
    }

    static func resolve(_ manifests: [PluginManifest]) -> Result {
        let byID = Dictionary(manifests.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var refusals: [String: String] = [:]
        var order: [String] = []
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        var stack: [String] = []

        func visit(_ id: String) {
            if marks[id] == .done { return }
            if marks[id] == .visiting {
                let cycle = stack.drop(while: { $0 != id }) + [id]
                let text = "dependency cycle: " + cycle.joined(separator: " → ")
                for member in Set(cycle) where refusals[member] == nil { refusals[member] = text }
                return
            }
            guard let manifest = byID[id] else { return }
            marks[id] = .visiting
            stack.append(id)
            for dep in manifest.dependencies {
                guard let target = byID[dep.id] else {
                    refusals[id] = refusals[id] ?? "needs '\(dep.id)' \(dep.versions), which is not installed"
                    continue
                }
                guard dep.versions.contains(target.version) else {
                    refusals[id] = refusals[id] ?? "needs '\(dep.id)' \(dep.versions), but \(target.version) is installed"
                    continue
                }
                visit(dep.id)
            }
            stack.removeLast()
            marks[id] = .done
            order.append(id)
        }
        for manifest in manifests.sorted(by: { $0.id < $1.id }) { visit(manifest.id) }
        return Result(order: order, refusals: refusals)
    }
}
