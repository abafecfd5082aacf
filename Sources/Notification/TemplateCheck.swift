import EOPManifest
import Foundation
import Mustache

/// A template that cannot be saved: which part, which line, and why.
public struct TemplateProblem: Error, Sendable, CustomStringConvertible {
    /// `subject`, `html`, `body` or `recipient.email` …
    public var field: String
    /// 1-based line in that part.
    public var line: Int
    /// Why.
    public var reason: String
    /// `body line 3: unknown variable 'totl' (…)`.
    public var description: String { "\(field) line \(line): \(reason)" }
}

/// Parses a template with swift-mustache and checks every variable it names against the
/// payload schema of the notification's event, so that a typo is refused when a template
/// is saved rather than rendered as an empty string to a customer.
///
/// Rationale: swift-mustache reports syntax errors with their line but keeps its parsed
/// tokens private, so the variable names are read here by a small tag scanner that runs
/// only on text the library has already accepted. Partials and changed delimiters are
/// refused: a notification template is one self-contained text.
enum TemplateCheck {
    /// The parsed template, or the first problem. `plainText` turns HTML escaping off
    /// (subjects, text bodies, SMS, push).
    static func parse(_ text: String, field: String, schema: SchemaNode, plainText: Bool) throws(TemplateProblem) -> MustacheTemplate {
        let template: MustacheTemplate
        do {
            // The config tag sits on line 1 without a newline, so line numbers stay the user's.
            template = try MustacheTemplate(string: (plainText ? "{{% CONTENT_TYPE: TEXT}}" : "") + text)
        } catch let error as MustacheTemplate.ParserError {
            throw TemplateProblem(field: field, line: error.context.lineNumber, reason: "\(reason(error.error)) (near \"\(error.context.line.trimmingCharacters(in: .whitespaces))\")")
        } catch {
            throw TemplateProblem(field: field, line: 1, reason: "\(error)")
        }
        try checkVariables(text, field: field, schema: schema)
        return template
    }

    static func reason(_ error: any Error) -> String {
        switch error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect: return "a section is closed with a name that does not match the open section"
        case .unfinishedName: return "a tag is not finished (missing \"}}\")"
        case .expectedSectionEnd: return "a section is opened but never closed"
        case .invalidSetDelimiter: return "bad set-delimiter tag"
        case .none: return "\(error)"
        default: return "\(error)"
        }
    }

    /// Walks the tags, keeping the schema of each open section, and refuses a name that
    /// no open section nor the payload declares.
    static func checkVariables(_ text: String, field: String, schema: SchemaNode) throws(TemplateProblem) {
        var stack: [SchemaNode] = [schema]
        var line = 1
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            line += rest[rest.startIndex..<open.lowerBound].filter(\.isNewline).count
            let triple = rest[open.upperBound...].hasPrefix("{")
            let afterOpen = triple ? rest.index(after: open.upperBound) : open.upperBound
            guard let close = rest[afterOpen...].range(of: triple ? "}}}" : "}}") else { return }  // the parser accepted it
            let tag = rest[afterOpen..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            line += rest[afterOpen..<close.lowerBound].filter(\.isNewline).count
            rest = rest[close.upperBound...]
            guard let first = tag.first else { continue }
            var name = tag
            switch first {
            case "!", "%": continue
            case "=": throw TemplateProblem(field: field, line: line, reason: "changing the delimiters is not supported in notification templates")
            case ">", "<", "$": throw TemplateProblem(field: field, line: line, reason: "partials and blocks are not supported in notification templates")
            case "/":
                if stack.count > 1 { stack.removeLast() }
                continue
            case "#", "^", "&": name = String(tag.dropFirst()).trimmingCharacters(in: .whitespaces)
            default: break
            }
            // Transforms (`uppercased(name)`) apply to the innermost name.
            while let parenthesis = name.firstIndex(of: "("), name.hasSuffix(")") {
                name = String(name[name.index(after: parenthesis)..<name.index(before: name.endIndex)])
            }
            let node = name.isEmpty || name == "." ? stack.last : resolve(name, in: stack)
            guard let node else {
                throw TemplateProblem(field: field, line: line, reason: "unknown variable '\(name)'; the payload has \(known(stack).joined(separator: ", "))")
            }
            if first == "#" || first == "^" {
                if case .array(let items) = node { stack.append(items ?? .any) } else { stack.append(node) }
            }
        }
    }

    /// The schema of a (dotted) name looked up like Mustache does: the first part in the
    /// innermost section that has it, the rest inside it.
    static func resolve(_ name: String, in stack: [SchemaNode]) -> SchemaNode? {
        let parts = name.split(separator: ".").map(String.init)
        guard let head = parts.first else { return nil }
        for context in stack.reversed() {
            var node: SchemaNode
            switch context {
            case .any: return .any
            case .object(let properties, _):
                guard let found = properties[head] else { continue }
                node = found
            default: continue
            }
            for part in parts.dropFirst() {
                switch node {
                case .any: return .any
                case .object(let properties, _):
                    guard let next = properties[part] else { return nil }
                    node = next
                default: return nil
                }
            }
            return node
        }
        return nil
    }

    private static func known(_ stack: [SchemaNode]) -> [String] {
        var names = Set<String>()
        for case .object(let properties, _) in stack { names.formUnion(properties.keys) }
        return names.isEmpty ? ["no variables"] : names.sorted()
    }
}
