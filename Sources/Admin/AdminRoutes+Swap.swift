import EOPConsole
import EOPGateway
import EOPLoader
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension AdminRoutes {
    /// `POST /api/admin/plugins/{id}/swap` (`{"source": "<bundle or folder>", "pause_deadline_ms": 5000}`)
    /// and `…/rollback`. With `Accept: application/x-ndjson` each step is streamed as one
    /// JSON line when it ends, then the record; otherwise one JSON answer at the end.
    /// A failed swap is 409 with the step and the reason (the old version serves on).
    func swap(_ request: Request, id: String, rollback: Bool, by: String) async throws -> Response {
        var source = "", deadline = Duration.seconds(5)
        if !rollback {
            let body = try await jsonObject(request)
            guard let s = body["source"] as? String, !s.isEmpty else {
                throw Problem(.badRequest, "Bad Request", detail: "source: the bundle file or build folder to swap to is required",
                              errors: [.init(field: "source", reason: "required: a path on the host")])
            }
            source = s
            if let ms = body["pause_deadline_ms"] {
                guard let n = ms as? Int, (1...60_000).contains(n) else {
                    throw Problem(.badRequest, "Bad Request", detail: "pause_deadline_ms: must be an integer from 1 to 60000",
                                  errors: [.init(field: "pause_deadline_ms", reason: "an integer from 1 to 60000")])
                }
                deadline = .milliseconds(n)
            }
        }
        let (steps, continuation) = AsyncStream<SwapStep>.makeStream()
        let run: @Sendable () async -> Result<SwapRecord, Error> = { [backend, source, deadline] in
            let result: Result<SwapRecord, Error>
            do {
                result = .success(try await Blocking.run {
                    rollback ? try backend.rollback(id, by: by, progress: { continuation.yield($0) })
                             : try backend.swap(id, source: source, by: by, pauseDeadline: deadline, progress: { continuation.yield($0) })
                })
            } catch {
                result = .failure(error)
            }
            continuation.finish()
            return result
        }
        if request.headers[.accept]?.contains("application/x-ndjson") == true {
            let task = Task { await run() }
            let body = ResponseBody { writer in
                for await step in steps { try await writer.write(Self.line(["step": Self.stepJSON(step)])) }
                switch await task.value {
                case .success(let record): try await writer.write(Self.line(["outcome": record.outcome, "record": Self.swapJSON(record)]))
                case .failure(let error): try await writer.write(Self.line(Self.failureJSON(error)))
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: body)
        }
        Task { for await _ in steps {} }
        switch await run() {
        case .success(let record): return json(Self.swapJSON(record))
        case .failure(let error): return json(Self.failureJSON(error), status: .conflict)
        }
    }

    static func line(_ object: [String: Any]) -> ByteBuffer {
        var data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        data.append(0x0A)
        return ByteBuffer(bytes: data)
    }

    static func failureJSON(_ error: Error) -> [String: Any] {
        guard let swap = error as? SwapError else { return ["outcome": "failed", "reason": "\(error)"] }
        var object: [String: Any] = ["outcome": swap.record?.outcome ?? "refused", "step": swap.step, "reason": swap.reason]
        if let record = swap.record { object["record"] = swapJSON(record) }
        return object
    }

    static func stepJSON(_ s: SwapStep) -> [String: Any] {
        ["name": s.name, "ok": s.ok, "ms": (s.milliseconds * 1000).rounded() / 1000, "detail": s.detail]
    }

    static func swapRow(_ r: SwapRecord) -> SwapRow {
        let when = ISO8601DateFormatter().string(from: r.at).replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: "")
        return SwapRow(when: when, plugin: r.plugin, change: "\(r.from) → \(r.to)", by: r.by,
                       pause: r.pauseMilliseconds.map { String(format: "%.2f ms", $0) } ?? "—", outcome: r.outcome,
                       swapped: r.outcome == "swapped", reason: r.failedStep.map { "at \($0): \(r.reason ?? "")" })
    }

    static func swapJSON(_ r: SwapRecord) -> [String: Any] {
        ["plugin": r.plugin, "from": r.from, "to": r.to, "by": r.by, "at": ISO8601DateFormatter().string(from: r.at),
         "pause_ms": r.pauseMilliseconds as Any, "total_ms": r.totalMilliseconds, "outcome": r.outcome,
         "failed_step": r.failedStep as Any, "reason": r.reason as Any, "steps": r.steps.map(stepJSON)]
    }
}
