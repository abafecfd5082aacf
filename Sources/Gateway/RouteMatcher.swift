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

    /// A route's pattern, split once. A class, so a scan over the candidates copies one
    /// reference per route rather than every field of its binding (this runs per request).
    private final class Pattern: Sendable {
        let segments: [Substring]
        let binding: RouteBinding
        init(_ binding: RouteBinding) {
            segments = binding.route.path.split(separator: "/")
            self.binding = binding
        }
        var literalCount: Int { segments.filter { !$0.hasPrefix("{") }.count }
    }

    /// Patterns by segment count: a path is compared only with routes as deep as it.
    private let patternsByDepth: [Int: [Pattern]]

    init(_ bindings: [RouteBinding]) {
        // Rationale: more literal segments win ("/api/x/new" before "/api/x/{id}").
        let sorted = bindings.map(Pattern.init).sorted { a, b in
            let la = a.literalCount, lb = b.literalCount
            return la != lb ? la > lb : a.binding.route.path < b.binding.route.path
        }
        patternsByDepth = Dictionary(grouping: sorted, by: { $0.segments.count })
    }

    func match(method: String, path: String) -> Result {
        let parts = path.split(separator: "/")
        guard let candidates = patternsByDepth[parts.count] else { return .notFound }
        var allowed: [String] = []
        for pattern in candidates where zip(pattern.segments, parts).allSatisfy({ segment, part in segment.hasPrefix("{") || segment == part }) {
            guard pattern.binding.route.method == method else {
                allowed.append(pattern.binding.route.method)
                continue
            }
            let parameters = zip(pattern.segments, parts).filter { segment, _ in segment.hasPrefix("{") }.map { segment, part in
                (String(segment.dropFirst().dropLast()), String(part).removingPercentEncoding ?? String(part))
            }
            return .found(Match(binding: pattern.binding, parameters: parameters))
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed.sorted())
    }
}
