import EOPSDK
import Foundation

/// Reading and checking request fields; each error names the field.
enum Fields {
    static func string(_ body: [String: Any], _ key: String, required: Bool, max: Int = 200) throws(RequestError) -> String? {
        guard let value = body[key], !(value is NSNull) else {
            if required { throw RequestError(field: key, reason: "is required") }
            return nil
        }
        guard let text = value as? String else { throw RequestError(field: key, reason: "must be a string") }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= max else { throw RequestError(field: key, reason: "must be 1 to \(max) characters") }
        return trimmed
    }

    static func int(_ body: [String: Any], _ key: String) throws(RequestError) -> Int64? {
        guard let value = body[key], !(value is NSNull) else { return nil }
        guard let number = value as? NSNumber, number.doubleValue == number.doubleValue.rounded(), abs(number.doubleValue) < 1e15 else {
            throw RequestError(field: key, reason: "must be an integer")
        }
        return number.int64Value
    }

    /// A handle or group name: lower-case letters, digits, '-' and '_'.
    static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64 && text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
            && text.first != "-" && text.first != "_"
    }

    /// Customer groups as a comma-joined list for `string_to_array`.
    static func groups(_ body: [String: Any]) throws(RequestError) -> String? {
        guard let value = body["groups"], !(value is NSNull) else { return nil }
        guard let list = value as? [String] else { throw RequestError(field: "groups", reason: "must be a list of customer group names") }
        for (i, group) in list.enumerated() where !isName(group) {
            throw RequestError(field: "groups[\(i)]", reason: "'\(group)' is not a group name (lower-case a-z, 0-9, '-', '_')")
        }
        return list.joined(separator: ",")
    }

    /// The link's kind and target: `{"link": {"kind": "category", "target": "shoes"}}`.
    static func link(_ body: [String: Any], required: Bool) throws(RequestError) -> (kind: String, target: String)? {
        guard let value = body["link"], !(value is NSNull) else {
            if required { throw RequestError(field: "link", reason: "is required: {\"kind\": category|product|page|url, \"target\": …}") }
            return nil
        }
        guard let link = value as? [String: Any] else { throw RequestError(field: "link", reason: "must be an object with kind and target") }
        guard let kind = link["kind"] as? String, MenuItem.kinds.contains(kind) else {
            throw RequestError(field: "link.kind", reason: "must be one of \(MenuItem.kinds.joined(separator: ", "))")
        }
        guard let target = (link["target"] as? String)?.trimmingCharacters(in: .whitespaces), !target.isEmpty, target.count <= 2000 else {
            throw RequestError(field: "link.target", reason: "must be a non-empty string")
        }
        if kind == "url" {
            let lower = target.lowercased()
            guard lower.hasPrefix("https://") || lower.hasPrefix("http://") || (target.hasPrefix("/") && !target.hasPrefix("//")),
                  URL(string: target) != nil else {
                throw RequestError(field: "link.target", reason: "'\(target)' is not an http(s) URL or a path starting with '/'")
            }
        } else if target.contains("/") || target.contains(" ") {
            throw RequestError(field: "link.target", reason: "a \(kind) is named by its id or slug, without '/' or spaces")
        }
        return (kind, target)
    }
}
