import EOPLoader

/// Finds the plugin route for a method and path: literal segments first, then `{param}`.
struct RouteMatcher: Sendable {
    struct Match {
        let binding: RouteBinding
        let parameters: [(String, String)]
    }

    enum Result {
        case found(Match)
        case methodNotAllowed([String])
        case notFound
    }

    private let routes: [(segments: [Substring], binding: RouteBinding)]

    init(_ bindings: [RouteBinding]) {
        // Rationale: more literal segments win ("/api/x/new" before "/api/x/{id}").
        routes = bindings.map { (Array($0.route.path.split(separator: "/")), $0) }
            .sorted { a, b in
                let la = a.segments.filter { !$0.hasPrefix("{") }.count, lb = b.segments.filter { !$0.hasPrefix("{") }.count
                return la != lb ? la > lb : a.binding.route.path < b.binding.route.path
            }
    }

    func match(method: String, path: String) -> Result {
        let parts = path.split(separator: "/")
        var allowed: [String] = []
        for (segments, binding) in routes where segments.count == parts.count {
            var parameters: [(String, String)] = []
            var ok = true
            for (pattern, part) in zip(segments, parts) {
                if pattern.hasPrefix("{") {
                    parameters.append((String(pattern.dropFirst().dropLast()), String(part).removingPercentEncoding ?? String(part)))
                } else if pattern != part {
                    ok = false
                    break
                }
            }
            guard ok else { continue }
            if binding.route.method == method { return .found(Match(binding: binding, parameters: parameters)) }
            allowed.append(binding.route.method)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed.sorted())
    }
}
