import EOPABI
import Foundation

/// An event handed to a Swift handler, copied out of the C struct.
public struct IncomingEvent: Sendable {
    /// The topic.
    public let topic: String
    /// The payload schema version.
    public let schemaVersion: UInt32
    /// The payload's MIME type.
    public let contentType: String
    /// The payload bytes.
    public let payload: [UInt8]
    /// The event id (UUIDv7).
    public let id: UUID?
    /// UTC microseconds since 1970.
    public let timeUnixMicros: Int64
    /// The publisher's id.
    public let source: String
    /// The chain's first event.
    public let correlationID: UUID?
    /// The event that caused this one.
    public let causationID: UUID?

    init(_ e: UnsafePointer<eop_event_t>) {
        let c = e.pointee
        topic = c.topic.swiftString
        schemaVersion = c.schema_version
        contentType = c.content_type.swiftString
        payload = c.payload.map { Array(UnsafeBufferPointer(start: $0, count: c.payload_len)) } ?? []
        id = c.id.swiftUUID
        timeUnixMicros = c.time_unix_us
        source = c.source.swiftString
        correlationID = c.correlation_id.swiftUUID
        causationID = c.causation_id.swiftUUID
    }

    /// The payload as UTF-8 text.
    public var payloadText: String { String(decoding: payload, as: UTF8.self) }

    /// The payload decoded as `T` from JSON.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(payload))
    }
}

extension eop_str_t {
    var swiftString: String {
        guard let ptr, len > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: ptr, count: len), as: UTF8.self)
    }
}

extension eop_uuid_t {
    var swiftUUID: UUID? {
        var raw: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeBytes(of: bytes) { src in withUnsafeMutableBytes(of: &raw) { $0.copyMemory(from: src) } }
        return withUnsafeBytes(of: raw) { $0.allSatisfy { $0 == 0 } } ? nil : UUID(uuid: raw)
    }
}
