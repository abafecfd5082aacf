@preconcurrency import CFFI
import EOPABI
import EOPManifest
import Foundation

/// A plain C function bound to payload fields by a manifest signature, called through
/// libffi. The call interface (`ffi_cif`) is prepared once at load; each event only
/// converts its fields and calls.
public final class TypedCall: @unchecked Sendable {
    /// The declared signature.
    public let signature: TypedSignature
    private let function: UnsafeMutableRawPointer
    private let cif: UnsafeMutablePointer<ffi_cif>
    private let argumentTypes: UnsafeMutablePointer<UnsafeMutablePointer<ffi_type>?>

    /// Prepares the call; throws when libffi refuses the signature.
    public init(function: UnsafeMutableRawPointer, signature: TypedSignature) throws {
        self.function = function
        self.signature = signature
        let count = signature.parameters.count
        argumentTypes = .allocate(capacity: count)
        for (i, p) in signature.parameters.enumerated() { argumentTypes[i] = Self.ffiType(p.type) }
        cif = .allocate(capacity: 1)
        let returnType = signature.returns == .status ? Self.address(of: &ffi_type_sint32) : Self.address(of: &ffi_type_void)
        let status = ffi_prep_cif(cif, FFI_DEFAULT_ABI, UInt32(count), returnType, argumentTypes)
        guard status == FFI_OK else {
            argumentTypes.deallocate()
            cif.deallocate()
            throw TypedCallError(reason: "libffi could not prepare the call (ffi_status \(status.rawValue))")
        }
    }

    deinit {
        argumentTypes.deallocate()
        cif.deallocate()
    }

    // Rationale: libffi's type descriptors are C globals; their address is stable.
    private static func address(of type: inout ffi_type) -> UnsafeMutablePointer<ffi_type> {
        withUnsafeMutablePointer(to: &type) { $0 }
    }

    private static func ffiType(_ type: TypedSignature.ParameterType) -> UnsafeMutablePointer<ffi_type> {
        switch type {
        case .string: return address(of: &ffi_type_pointer)
        case .int32: return address(of: &ffi_type_sint32)
        case .int64: return address(of: &ffi_type_sint64)
        case .uint32: return address(of: &ffi_type_uint32)
        case .uint64: return address(of: &ffi_type_uint64)
        case .double: return address(of: &ffi_type_double)
        case .bool: return address(of: &ffi_type_uint8)
        }
    }

    /// Converts the payload's fields and calls the function.
    public func call(payload: Data) -> HandlerOutcome {
        let object: [String: Any]
        do {
            guard let decoded = try JSONSerialization.jsonObject(with: payload) as? [String: Any] else {
                return .fail("payload is not a JSON object")
            }
            object = decoded
        } catch {
            return .fail("payload is not valid JSON")
        }
        var values: [ArgumentValue] = []
        values.reserveCapacity(signature.parameters.count)
        for p in signature.parameters {
            guard let raw = object[p.field], !(raw is NSNull) else { return .fail("payload field '\(p.field)' is missing") }
            guard let value = ArgumentValue(raw, as: p.type) else {
                return .fail("payload field '\(p.field)' does not fit C type \(p.type.rawValue)")
            }
            values.append(value)
        }
        return call(values)
    }

    /// Calls with already converted values (one per parameter, in order).
    public func call(_ values: [ArgumentValue]) -> HandlerOutcome {
        precondition(values.count == signature.parameters.count, "argument count")
        // Each argument lives in its own 8-byte slot on the stack; a string slot holds a
        // pointer into a NUL-terminated copy that lives until the call returns.
        let strings = values.map { value -> ContiguousArray<CChar>? in
            if case .string(let s) = value { return s.utf8CString } else { return nil }
        }
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: values.count) { slots in
            withUnsafeTemporaryAllocation(of: UnsafeMutableRawPointer?.self, capacity: values.count) { argumentPointers in
                Self.withCStrings(strings, index: 0, into: slots) {
                    for (i, value) in values.enumerated() {
                        let slot = UnsafeMutableRawPointer(slots.baseAddress! + i)
                        switch value {
                        case .string: break  // filled by withCStrings
                        case .int32(let v): slot.storeBytes(of: v, as: Int32.self)
                        case .int64(let v): slot.storeBytes(of: v, as: Int64.self)
                        case .uint32(let v): slot.storeBytes(of: v, as: UInt32.self)
                        case .uint64(let v): slot.storeBytes(of: v, as: UInt64.self)
                        case .double(let v): slot.storeBytes(of: v, as: Double.self)
                        case .bool(let v): slot.storeBytes(of: v ? 1 : 0, as: UInt8.self)
                        }
                        argumentPointers[i] = slot
                    }
                    // libffi widens integral returns to a full ffi_arg (8 bytes).
                    var result: Int64 = 0
                    ffi_call(cif, unsafeBitCast(function, to: (@convention(c) () -> Void).self), &result, argumentPointers.baseAddress)
                    guard signature.returns == .status else { return .ok }
                    let status = Int32(truncatingIfNeeded: result)
        return HandlerOutcome(status: status, message: status == EOP_OK ? "" : "typed handler returned status \(status)")
                }
            }
        }
    }

    /// Stores a pointer to each string's bytes in its slot, keeping them alive around `body`.
    private static func withCStrings<R>(_ strings: [ContiguousArray<CChar>?], index: Int, into slots: UnsafeMutableBufferPointer<UInt64>, _ body: () -> R) -> R {
        guard index < strings.count else { return body() }
        guard let string = strings[index] else { return withCStrings(strings, index: index + 1, into: slots, body) }
        return string.withUnsafeBufferPointer { chars in
            UnsafeMutableRawPointer(slots.baseAddress! + index).storeBytes(of: chars.baseAddress, as: UnsafePointer<CChar>?.self)
            return withCStrings(strings, index: index + 1, into: slots, body)
        }
    }

    /// Checks the signature against the topic's schema: every bound field must be a
    /// required property whose JSON type converts to the parameter's C type.
    public static func check(_ signature: TypedSignature, against schema: EventSchema?, topic: String) throws {
        guard let schema else {
            throw TypedCallError(reason: "topic '\(topic)' has no schema in Manifests/events, and a typed handler needs one")
        }
        guard case .object(let properties, let required) = schema.payload else {
            throw TypedCallError(reason: "the payload schema of '\(topic)' (\(schema.file)) is not an object")
        }
        for p in signature.parameters {
            guard let property = properties[p.field] else {
                throw TypedCallError(reason: "parameter '\(p.field)': '\(topic)' has no payload field '\(p.field)' (\(schema.file))")
            }
            guard p.type.acceptedSchemaTypes.contains(property.typeName) else {
                throw TypedCallError(reason: "parameter '\(p.field)' is \(p.type.rawValue) but the schema of '\(topic)' says \(property.typeName)")
            }
            guard required.contains(p.field) else {
                throw TypedCallError(reason: "parameter '\(p.field)': the field is optional in the schema of '\(topic)'; a typed handler can bind only required fields")
            }
        }
    }
}

/// One converted argument of a typed call.
public enum ArgumentValue: Sendable, Equatable {
    case string(String), int32(Int32), int64(Int64), uint32(UInt32), uint64(UInt64), double(Double), bool(Bool)

    /// Converts a decoded JSON value; nil when it does not fit the C type exactly.
    public init?(_ raw: Any, as type: TypedSignature.ParameterType) {
        switch type {
        case .string:
            guard let s = raw as? String, !s.utf8.contains(0) else { return nil }
            self = .string(s)
        case .bool:
            guard isJSONBoolean(raw), let b = raw as? Bool else { return nil }
            self = .bool(b)
        case .double:
            guard let n = raw as? NSNumber, !isJSONBoolean(raw) else { return nil }
            self = .double(n.doubleValue)
        case .int32, .int64, .uint32, .uint64:
            guard let n = raw as? NSNumber, !isJSONBoolean(raw) else { return nil }
            let d = n.doubleValue
            guard d.rounded() == d else { return nil }
            switch type {
            case .int32: guard let v = Int32(exactly: n.int64Value), Double(v) == d else { return nil }; self = .int32(v)
            case .int64: guard Double(n.int64Value) == d else { return nil }; self = .int64(n.int64Value)
            case .uint32: guard d >= 0, let v = UInt32(exactly: n.int64Value) else { return nil }; self = .uint32(v)
            default: guard d >= 0, Double(n.uint64Value) == d else { return nil }; self = .uint64(n.uint64Value)
            }
        }
    }
}

/// A typed handler that cannot be prepared or does not fit its topic's schema.
public struct TypedCallError: Error, Sendable, CustomStringConvertible {
    /// Why.
    public var reason: String
    /// The reason.
    public var description: String { reason }
}
