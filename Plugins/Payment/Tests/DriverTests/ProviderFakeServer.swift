import Foundation
import Hummingbird
import Logging
@testable import PaymentDrivers

/// A request as a provider fake received it.
struct ProviderFakeRequest: Sendable {
    let method: String
    let path: String
    let query: [(String, String)]
    /// Lower-case names.
    let headers: [(String, String)]
    let body: [UInt8]

    func header(_ name: String) -> String? { headers.first { $0.0 == name.lowercased() }?.1 }
    func queryValue(_ name: String) -> String? { FormFields.value(name, in: query) }
    var json: JSONTree? { JSONTree.parse(body) }
    var form: [(String, String)] { FormFields.decode(String(decoding: body, as: UTF8.self)) }
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// What a provider fake answers.
struct ProviderFakeResponse: Sendable {
    var status: Int
    var contentType: String
    var body: [UInt8]

    static func json(_ status: Int = 200, _ tree: JSONTree) -> ProviderFakeResponse {
        ProviderFakeResponse(status: status, contentType: "application/json", body: tree.encoded())
    }
}

/// A local fake of a payment provider: HTTP on 127.0.0.1 with a port the OS picks, answering
/// every request through `handler` and keeping every request it saw for the test to inspect.
final class ProviderFakeServer: @unchecked Sendable {
    let baseURL: String
    private let lock = NSLock()
    private var received: [ProviderFakeRequest] = []
    private var task: Task<Void, any Error>?

    private init(baseURL: String) { self.baseURL = baseURL }

    static func start(_ handler: @escaping @Sendable (ProviderFakeRequest) async -> ProviderFakeResponse) async throws -> ProviderFakeServer {
        let box = ServerBox()
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            let fake = ProviderFakeRequest(method: request.method.rawValue, path: request.uri.path,
                                   query: FormFields.decode(request.uri.query ?? ""),
                                   headers: request.headers.map { ($0.name.canonicalName.lowercased(), $0.value) },
                                   body: Array(body.readableBytesView))
            box.server?.record(fake)
            let answer = await handler(fake)
            var headers = HTTPFields()
            headers[.contentType] = answer.contentType
            return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
        }
        let app = Application(responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  portContinuation.yield(channel.localAddress?.port ?? 0)
                                  portContinuation.finish()
                              },
                              logger: quietLogger)
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var port = 0
        for await value in ports { port = value }
        guard port > 0 else {
            task.cancel()
            throw FakeServerError.noPort
        }
        let server = ProviderFakeServer(baseURL: "http://127.0.0.1:\(port)")
        server.task = task
        box.server = server
        return server
    }

    func stop() async {
        task?.cancel()
        _ = await task?.result
    }

    var requests: [ProviderFakeRequest] { lock.withLock { received } }

    func requests(_ method: String, _ path: String) -> [ProviderFakeRequest] {
        requests.filter { $0.method == method && $0.path == path }
    }

    private func record(_ request: ProviderFakeRequest) {
        lock.withLock { received.append(request) }
    }

    enum FakeServerError: Error { case noPort }

    /// Stopping a fake cancels it mid-connection, which Hummingbird reports as an error; keep the test log to real problems.
    private static let quietLogger: Logger = {
        var logger = Logger(label: "provider-fake")
        logger.logLevel = .critical
        return logger
    }()

    /// Lets the responder reach the server object created after the app.
    private final class ServerBox: @unchecked Sendable {
        private let lock = NSLock()
        private var _server: ProviderFakeServer?
        var server: ProviderFakeServer? {
            get { lock.withLock { _server } }
            set { lock.withLock { _server = newValue } }
        }
    }
}

/// A mutable value shared between a test and its fake.
final class ProviderFakeState<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    var get: Value { lock.withLock { value } }
    func set(_ newValue: Value) { lock.withLock { value = newValue } }
    func update<R>(_ change: (inout Value) -> R) -> R { lock.withLock { change(&value) } }
}

extension ProviderFakeServer {
    /// Runs a blocking driver call on a Dispatch thread, so the cooperative pool that serves the
    /// fake and the loopback client is never the one waiting. (Closures infer `any Error`; a
    /// driver only throws DriverError, so anything else is a test bug and fails loudly.)
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws(DriverError) -> T {
        let result: Result<T, DriverError> = await withCheckedContinuation { continuation in
            // Its own thread: Dispatch's global queue adds a worker only about once a second
            // while its threads block, which stalls suites that run many blocking calls.
            Thread {
                do {
                    continuation.resume(returning: .success(try body()))
                } catch let error as DriverError {
                    continuation.resume(returning: .failure(error))
                } catch {
                    fatalError("a driver threw a non-DriverError: \(error)")
                }
            }.start()
        }
        return try result.get()
    }

    /// The error a driver call threw, or nil when it succeeded.
    static func failure<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async -> DriverError? {
        do throws(DriverError) {
            _ = try await run(body)
            return nil
        } catch {
            return error
        }
    }
}

/// Literals for the fakes' JSON answers: `["id": "ORDER-1", "links": [["rel": "approve"]]]`.
extension JSONTree: ExpressibleByStringLiteral, ExpressibleByDictionaryLiteral,
                    ExpressibleByArrayLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(dictionaryLiteral elements: (String, JSONTree)...) { self = .object(elements) }
    public init(arrayLiteral elements: JSONTree...) { self = .array(elements) }
    public init(integerLiteral value: Int) { self = .number(String(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}
