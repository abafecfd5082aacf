import EOPABI
import EOPDispatch
import EOPManifest
import EOPPlatformKit
import Foundation
import Metrics

extension PluginHost {
    /// What a plugin sends (a fact, a command or query, a hook call): the topic must be
    /// under `field` in its manifest; the ids default to the delivery it is handling.
    private struct Outgoing {
        var topic: String
        var payload: Data
        var correlationID: UUID?
        var causationID: UUID?
    }

    private func outgoing(from context: PluginContext, _ event: eop_event_t, listed: Set<String>, field: String, verb: String) -> Result<Outgoing, HostCallError> {
        let topic = event.topic.string
        guard listed.contains(topic) else {
            return .failure(HostCallError(status: EOP_ERR_DENIED, message: "'\(context.manifest.id)' may not \(verb) '\(topic)': it is not listed under '\(field)' in \(context.manifest.file)"))
        }
        let current = CurrentDelivery.event
        return .success(Outgoing(topic: topic, payload: event.payload.map { Data(bytes: $0, count: event.payload_len) } ?? Data(),
                                 correlationID: event.correlation_id.uuid ?? current?.correlationID, causationID: event.causation_id.uuid ?? current?.id))
    }

    /// The event to send, after checking it against its topic's kind and schema.
    private func envelope(topic: String, payload: Data, source: String, contentType: String = "application/json", schemaVersion: UInt32 = 0,
                          expecting kinds: Set<EventSchema.Kind>, correlationID: UUID?, causationID: UUID?) throws(HostCallError) -> EventEnvelope {
        let version = try validate(topic: topic, payload: payload, contentType: contentType, schemaVersion: schemaVersion, expecting: kinds)
        let id = UUIDv7.generate()
        return EventEnvelope(Event(topic: topic, schemaVersion: version, contentType: contentType, payload: payload, id: id,
                                   timeUnixMicros: UTCTime.unixMicroseconds(from: Date()), source: source,
                                   correlationID: correlationID ?? id, causationID: causationID))
    }

    /// A fact published by a plugin through `eop_host_t.publish`: checked against the
    /// manifest and the topic's schema, then queued for every subscriber.
    func publish(from context: PluginContext, event: eop_event_t) throws(HostCallError) -> UUID {
        let out = try outgoing(from: context, event, listed: context.publishes, field: "publishes", verb: "publish").get()
        return try publish(topic: out.topic, payload: out.payload, source: context.manifest.id,
                           contentType: event.content_type.len == 0 ? "application/json" : event.content_type.string,
                           schemaVersion: event.schema_version, correlationID: out.correlationID, causationID: out.causationID)
    }

    /// Publishes a fact from the host itself or an operator (`eop events publish`).
    /// Throws when the payload does not match the topic's schema or the topic is not a fact.
    @discardableResult
    public func publish(
        topic: String, payload: Data, source: String, contentType: String = "application/json", schemaVersion: UInt32 = 0,
        correlationID: UUID? = nil, causationID: UUID? = nil
    ) throws(HostCallError) -> UUID {
        guard Topic.isValid(topic) else { throw HostCallError(status: EOP_ERR_INVALID, message: "'\(topic)' is not a topic: \(Topic.rule)") }
        let fact = try envelope(topic: topic, payload: payload, source: source, contentType: contentType, schemaVersion: schemaVersion,
                                expecting: [.fact], correlationID: correlationID, causationID: causationID)
        do {
            try transport.publishFact(fact)
            Counter(label: "eop_events_published_total", dimensions: [("topic", topic), ("source", source)]).increment()
        } catch {
            throw HostCallError(status: EOP_ERR_UNAVAILABLE, message: "publish of '\(topic)' failed: \(error)")
        }
        return fact.event.id
    }

    /// Why `payload` cannot be published as `topic`, or nil when it can.
    public func validateFact(topic: String, payload: Data) -> String? {
        guard Topic.isValid(topic) else { return "'\(topic)' is not a topic: \(Topic.rule)" }
        do {
            _ = try validate(topic: topic, payload: payload, contentType: "application/json", schemaVersion: 0, expecting: [.fact])
            return nil
        } catch {
            return error.message
        }
    }

    /// A command or query sent by a plugin through `eop_host_t.request`.
    func request(from context: PluginContext, query: eop_event_t, timeout: Duration) -> QueryResult {
        switch outgoing(from: context, query, listed: context.requests, field: "requests", verb: "send") {
        case .failure(let refusal):
            return QueryResult(status: refusal.status, message: refusal.message)
        case .success(let out):
            return request(topic: out.topic, payload: out.payload, source: context.manifest.id, timeout: timeout,
                           correlationID: out.correlationID, causationID: out.causationID)
        }
    }

    /// Sends a command or query to its owner and waits at most `timeout`.
    public func request(topic: String, payload: Data, source: String, timeout: Duration, correlationID: UUID? = nil, causationID: UUID? = nil) -> QueryResult {
        do {
            let query = try envelope(topic: topic, payload: payload, source: source, expecting: [.command, .query], correlationID: correlationID, causationID: causationID)
            return table.request(query, timeout: timeout)
        } catch {
            return QueryResult(status: error.status, message: error.message)
        }
    }

    /// Invokes a hook for a plugin: the topic must be listed under its `requests`.
    func invokeHook(from context: PluginContext, event: eop_event_t, timeout: Duration) -> HookOutcome {
        switch outgoing(from: context, event, listed: context.requests, field: "requests", verb: "invoke") {
        case .failure(let refusal):
            return HookOutcome(replies: [], status: refusal.status, message: refusal.message)
        case .success(let out):
            return invokeHook(topic: out.topic, payload: out.payload, source: context.manifest.id, timeout: timeout,
                              correlationID: out.correlationID, causationID: out.causationID)
        }
    }

    /// Calls every handler of a hook topic in order (see `DispatchTable.invokeHook`).
    public func invokeHook(topic: String, payload: Data, source: String, timeout: Duration, correlationID: UUID? = nil, causationID: UUID? = nil) -> HookOutcome {
        do {
            let call = try envelope(topic: topic, payload: payload, source: source, expecting: [.hook], correlationID: correlationID, causationID: causationID)
            return table.invokeHook(call, timeout: timeout)
        } catch {
            return HookOutcome(replies: [], status: error.status, message: error.message)
        }
    }

    /// Checks kind, schema version and JSON payload against the topic's schema (when one
    /// is declared); returns the schema version to stamp on the event.
    private func validate(topic: String, payload: Data, contentType: String, schemaVersion: UInt32, expecting kinds: Set<EventSchema.Kind>) throws(HostCallError) -> UInt32 {
        guard let schema = configuration.events[topic] else { return max(schemaVersion, 1) }
        guard kinds.contains(schema.kind) else {
            let hint = schema.kind == .fact ? "publish it" : schema.kind == .hook ? "invoke it through eop.hook.v1" : "send it with request"
            throw HostCallError(status: EOP_ERR_INVALID, message: "'\(topic)' is a \(schema.kind.rawValue) (\(schema.file)); \(hint)")
        }
        if schemaVersion != 0, schemaVersion != UInt32(schema.version) {
            throw HostCallError(status: EOP_ERR_INVALID, message: "'\(topic)' schema version \(schemaVersion) is not the declared version \(schema.version) (\(schema.file))")
        }
        guard contentType == "application/json" else { return UInt32(schema.version) }
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: payload, options: [.fragmentsAllowed])
        } catch {
            throw HostCallError(status: EOP_ERR_INVALID, message: "payload of '\(topic)' is not valid JSON")
        }
        do {
            try schema.payload.validate(value)
        } catch {
            throw HostCallError(status: EOP_ERR_INVALID, message: "payload of '\(topic)': \(error) (schema \(schema.file))")
        }
        return UInt32(schema.version)
    }

    /// Starts a plugin timer whose ticks run on the plugin's mailbox.
    func startTimer(for context: PluginContext, delay: Duration, interval: Duration?, callback: @escaping eop_timer_fn) -> UInt64 {
        let id = context.nextTimerID.add(1, ordering: .relaxed).oldValue
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        let pluginID = context.manifest.id
        let repeating: DispatchTimeInterval = interval.map { .nanoseconds(Int($0.seconds * 1e9)) } ?? .never
        timer.schedule(deadline: .now() + delay.seconds, repeating: repeating)
        timer.setEventHandler { [weak self, weak context] in
            guard let self, let context else { return }
            if interval == nil { _ = context.timers.withLock { $0.removeValue(forKey: id) } }
            // Ticks only while the plugin is active; a tick runs between its deliveries.
            let storage = self.configuration.storage
            self.table.mailbox(of: pluginID)?.enqueueJob { [weak context] in
                guard let context, !context.retired.load(ordering: .acquiring),
                      context.timers.withLock({ $0[id] != nil }) || interval == nil else { return }
                callback(context.pluginContext, id)
                storage?.endCall(pluginID: pluginID)
            }
        }
        context.timers.withLock { $0[id] = TimerBox(source: timer) }
        timer.resume()
        return id
    }
}
