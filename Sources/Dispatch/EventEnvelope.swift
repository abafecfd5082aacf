import EOPABI
import Foundation

/// An event together with its C view (`eop_event_t`), built once per event and
/// shared by every subscriber: the strings and payload live in one block that the
/// envelope owns until it is released.
public final class EventEnvelope: @unchecked Sendable {
    /// The event.
    public let event: Event
    /// The C struct handed to handlers; valid while the envelope lives.
    public let cEvent: UnsafeMutablePointer<eop_event_t>
    private let storage: UnsafeMutableRawPointer

    /// Builds the C view of `event`.
    public init(_ event: Event) {
        self.event = event
        let topic = Array(event.topic.utf8), contentType = Array(event.contentType.utf8), source = Array(event.source.utf8)
        let total = topic.count + contentType.count + source.count + event.payload.count
        storage = UnsafeMutableRawPointer.allocate(byteCount: max(total, 1), alignment: 8)
        var cursor = storage
        func place(_ bytes: [UInt8]) -> eop_str_t {
            let start = cursor
            if !bytes.isEmpty { bytes.withUnsafeBytes { cursor.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
            cursor += bytes.count
            return eop_str_t(ptr: start.assumingMemoryBound(to: CChar.self), len: bytes.count)
        }
        let cTopic = place(topic), cContentType = place(contentType), cSource = place(source)
        let payloadStart = cursor
        event.payload.withUnsafeBytes { raw in
            if let base = raw.baseAddress { payloadStart.copyMemory(from: base, byteCount: raw.count) }
        }
        cEvent = .allocate(capacity: 1)
        cEvent.initialize(to: eop_event_t(
            struct_size: UInt32(MemoryLayout<eop_event_t>.size),
            topic: cTopic,
            schema_version: event.schemaVersion,
            content_type: cContentType,
            payload: payloadStart.assumingMemoryBound(to: UInt8.self),
            payload_len: event.payload.count,
            id: eop_uuid_t(event.id),
            time_unix_us: event.timeUnixMicros,
            source: cSource,
            correlation_id: eop_uuid_t(event.correlationID),
            causation_id: event.causationID.map(eop_uuid_t.init) ?? eop_uuid_t()
        ))
    }

    deinit {
        cEvent.deallocate()
        storage.deallocate()
    }
}

extension eop_uuid_t {
    /// The C form of a UUID (RFC 9562 byte order).
    public init(_ uuid: UUID) {
        self.init()
        withUnsafeBytes(of: uuid.uuid) { src in
            withUnsafeMutableBytes(of: &self.bytes) { $0.copyMemory(from: src) }
        }
    }

    /// The UUID, or nil when every byte is zero (absent).
    public var uuid: UUID? {
        var raw: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeBytes(of: bytes) { src in withUnsafeMutableBytes(of: &raw) { $0.copyMemory(from: src) } }
        let isZero = withUnsafeBytes(of: raw) { $0.allSatisfy { $0 == 0 } }
        return isZero ? nil : UUID(uuid: raw)
    }
}

extension eop_str_t {
    /// The string's bytes decoded as UTF-8 (invalid sequences repaired).
    public var string: String {
        guard let ptr, len > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: ptr, count: len), as: UTF8.self)
    }
}
