import EOPLoader
import EOPManifest

/// The OpenAPI 3.1 document at `/api/openapi.json`: every active plugin route (from the
/// manifests) and the host's own operations.
enum OpenAPIDocument {
    static func build(routes: [RouteBinding], hostPaths: [String: [String: [String: String]]]) -> [String: Any] {
        var paths: [String: [String: Any]] = [:]
        for (path, methods) in hostPaths {
            for (method, operation) in methods {
                paths[path, default: [:]][method] = ["summary": operation["summary"] ?? "", "tags": ["host"],
                                                     "responses": ["default": ["description": operation["response"] ?? "see summary"]]]
            }
        }
        for binding in routes {
            let route = binding.route
            var operation: [String: Any] = [
                "operationId": "\(binding.pluginID).\(route.method.lowercased())\(route.path.replacingOccurrences(of: "/", with: "_"))",
                "summary": route.summary ?? "\(route.method) \(route.path)",
                "tags": [binding.pluginID],
                "responses": [
                    "200": ["description": "the plugin's answer"],
                    "400": ["description": "bad input", "content": ["application/problem+json": [:]]],
                    "500": ["description": "the plugin failed", "content": ["application/problem+json": [:]]],
                ],
            ]
            let parameters = route.parameters.map { ["name": $0, "in": "path", "required": true, "schema": ["type": "string"]] as [String: Any] }
            if !parameters.isEmpty { operation["parameters"] = parameters }
            if let body = route.body { operation["requestBody"] = ["required": true, "content": ["application/json": ["schema": schema(body)]]] }
            switch route.auth {
            case .none: break
            case .customer: operation["security"] = [["session": []]]
            case .staff: operation["security"] = [["session": []], ["bearer": []]]
            }
            if let permission = route.permission { operation["x-eop-permission"] = permission }
            paths[route.path, default: [:]][route.method.lowercased()] = operation
        }
        return [
            "openapi": "3.1.0",
            "info": ["title": "EOP", "version": "1.0.0", "description": "Host operations and the routes of every active plugin."],
            "paths": paths,
            "components": ["securitySchemes": [
                "session": ["type": "apiKey", "in": "cookie", "name": "eop_session"],
                "bearer": ["type": "http", "scheme": "bearer"],
            ]],
        ]
    }

    static func schema(_ node: SchemaNode) -> [String: Any] {
        switch node {
        case .object(let properties, let required):
            var s: [String: Any] = ["type": "object", "properties": properties.mapValues(schema)]
            if !required.isEmpty { s["required"] = required.sorted() }
            return s
        case .array(let items): return items.map { ["type": "array", "items": schema($0)] } ?? ["type": "array"]
        case .string(let allowed, _, _): return allowed.map { ["type": "string", "enum": $0] } ?? ["type": "string"]
        case .integer: return ["type": "integer"]
        case .number: return ["type": "number"]
        case .boolean: return ["type": "boolean"]
        case .any: return [:]
        }
    }
}
