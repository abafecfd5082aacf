/// A C signature declared in the manifest for a typed handler, bound to payload fields.
/// The host prepares the call with libffi once at load.
public struct TypedSignature: Sendable, Equatable {
    /// A C parameter type the host can pass.
    public enum ParameterType: String, Sendable, CaseIterable {
        case string, int32, int64, uint32, uint64, double, bool

        /// The JSON schema types whose values convert to this C type without loss.
        public var acceptedSchemaTypes: Set<String> {
            switch self {
            case .string: return ["string"]
            case .int32, .int64, .uint32, .uint64: return ["integer"]
            case .double: return ["number", "integer"]
            case .bool: return ["boolean"]
            }
        }
    }

    /// What the C function returns.
    public enum ReturnType: String, Sendable {
        /// `eop_status_t` (int32_t).
        case status
        /// Nothing; the call counts as EOP_OK.
        case void
    }

    /// One parameter: the payload field bound to it and its C type.
    public struct Parameter: Sendable, Equatable {
        /// The top-level payload field.
        public var field: String
        /// The C type.
        public var type: ParameterType

        /// Creates a parameter.
        public init(field: String, type: ParameterType) {
            self.field = field
            self.type = type
        }
    }

    /// Parameters in call order.
    public var parameters: [Parameter]
    /// The return type.
    public var returns: ReturnType

    /// Creates a signature.
    public init(parameters: [Parameter], returns: ReturnType) {
        self.parameters = parameters
        self.returns = returns
    }

    static func parse(_ json: JSONFields) throws -> TypedSignature {
        try json.rejectUnknownKeys(["params", "returns"])
        let returnText = try json.optionalString("returns") ?? "status"
        guard let returns = ReturnType(rawValue: returnText) else {
            throw json.error("returns", "\"\(returnText)\" is not one of status, void")
        }
        let params = try json.objectArray("params").map { p -> Parameter in
            try p.rejectUnknownKeys(["field", "type"])
            let typeText = try p.string("type")
            guard let type = ParameterType(rawValue: typeText) else {
                throw p.error("type", "\"\(typeText)\" is not one of \(ParameterType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return Parameter(field: try p.string("field"), type: type)
        }
        guard !params.isEmpty else { throw json.error("params", "a typed handler needs at least one parameter") }
        guard params.count <= 16 else { throw json.error("params", "at most 16 parameters") }
        return TypedSignature(parameters: params, returns: returns)
    }
}
