import EOPABI
import EOPDispatch
import EOPLoader
import Foundation
import HTTPTypes
import Hummingbird

/// One call of a plugin's route handler: builds the C request (every string in one
/// block that lives for the call), hands over a host-owned response sink, and turns
/// what the plugin wrote into a Hummingbird response.
enum PluginCall {
    /// What the plugin wrote.
    final class Sink {
        var status: UInt16 = 200
        var headers: [(String, String)] = []
        var body = Data()
    }

    struct Outcome: @unchecked Sendable {
        var status: eop_status_t
        var message: String
        var sink: Sink
    }

    /// Calls `handler` (the binding's `handler` or `inlineHandler`).
    static func run(_ binding: RouteBinding, _ handler: eop_route_handler_fn, method: String, path: String, parameters: [(String, String)], query: [(String, String)],
                    headers: [(String, String)], body: Data, principal: GatewayPrincipal, requestID: String) -> Outcome {
        var arena = Arena()
        defer { arena.free() }
        let pathParams = arena.pairs(parameters), queryPairs = arena.pairs(query), headerPairs = arena.pairs(headers)
        let permissions = arena.strs(principal.permissions.sorted())
        let principalStruct = UnsafeMutablePointer<eop_principal_t>.allocate(capacity: 1)
        defer { principalStruct.deallocate() }
        principalStruct.initialize(to: eop_principal_t(struct_size: UInt32(MemoryLayout<eop_principal_t>.size), kind: principal.kind.rawValue,
                                                       id: arena.str(principal.id), permissions: permissions.pointer, permission_count: permissions.count))
        let bodyPointer = arena.bytes(body)
        var request = eop_http_request_t(
            struct_size: UInt32(MemoryLayout<eop_http_request_t>.size), method: arena.str(method), path: arena.str(path),
            path_params: pathParams.pointer, path_param_count: pathParams.count, query: queryPairs.pointer, query_count: queryPairs.count,
            headers: headerPairs.pointer, header_count: headerPairs.count, body: bodyPointer, body_len: body.count,
            principal: principalStruct, request_id: arena.str(requestID))
        let sink = Sink()
        var response = eop_http_response_t(
            struct_size: UInt32(MemoryLayout<eop_http_response_t>.size), host_data: Unmanaged.passUnretained(sink).toOpaque(),
            set_status: { r, status in
                guard let data = r?.pointee.host_data else { return }
                Unmanaged<Sink>.fromOpaque(data).takeUnretainedValue().status = status
            },
            add_header: { r, name, value in
                guard let data = r?.pointee.host_data else { return EOP_ERR_INVALID }
                let n = name.string, v = value.string
                // Header injection: a plugin may not smuggle CR or LF into the response.
                guard !n.isEmpty, !(n + v).contains(where: { $0 == "\r" || $0 == "\n" }) else { return EOP_ERR_INVALID }
                Unmanaged<Sink>.fromOpaque(data).takeUnretainedValue().headers.append((n, v))
                return EOP_OK
            },
            write: { r, bytes, len in
                guard let data = r?.pointee.host_data else { return EOP_ERR_INVALID }
                guard len == 0 || bytes != nil else { return EOP_ERR_INVALID }
                if len > 0 { Unmanaged<Sink>.fromOpaque(data).takeUnretainedValue().body.append(bytes!, count: len) }
                return EOP_OK
            })
        let scratch = ErrorScratch()
        let status = withExtendedLifetime(sink) { handler(binding.pluginContext, &request, &response, scratch.pointer) }
        return Outcome(status: status, message: scratch.messageWithCode, sink: sink)
    }

    /// Memory for one call's strings and arrays, freed together.
    struct Arena {
        private var blocks: [UnsafeMutableRawPointer] = []

        mutating func bytes(_ data: Data) -> UnsafePointer<UInt8>? {
            guard !data.isEmpty else { return nil }
            let p = UnsafeMutableRawPointer.allocate(byteCount: data.count, alignment: 1)
            data.copyBytes(to: p.assumingMemoryBound(to: UInt8.self), count: data.count)
            blocks.append(p)
            return UnsafePointer(p.assumingMemoryBound(to: UInt8.self))
        }

        mutating func str(_ s: String) -> eop_str_t {
            let data = Data(s.utf8)
            return eop_str_t(ptr: bytes(data).map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, len: data.count)
        }

        mutating func strs(_ list: [String]) -> (pointer: UnsafePointer<eop_str_t>?, count: Int) {
            guard !list.isEmpty else { return (nil, 0) }
            let p = UnsafeMutablePointer<eop_str_t>.allocate(capacity: list.count)
            for (i, s) in list.enumerated() { p[i] = str(s) }
            blocks.append(UnsafeMutableRawPointer(p))
            return (UnsafePointer(p), list.count)
        }

        mutating func pairs(_ list: [(String, String)]) -> (pointer: UnsafePointer<eop_http_pair_t>?, count: Int) {
            guard !list.isEmpty else { return (nil, 0) }
            let p = UnsafeMutablePointer<eop_http_pair_t>.allocate(capacity: list.count)
            for (i, (n, v)) in list.enumerated() { p[i] = eop_http_pair_t(name: str(n), value: str(v)) }
            blocks.append(UnsafeMutableRawPointer(p))
            return (UnsafePointer(p), list.count)
        }

        func free() { blocks.forEach { $0.deallocate() } }
    }
}
