import CVips
import Crypto
import EOPDispatch
import EOPEventLog
import EOPGateway
import EOPLoader
import EOPManifest
import EOPStorage
import EOPTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The Gallery plugin (libGallery.so) loaded in a host on a real PostgreSQL database,
/// called over real HTTP on loopback. Serialized: the module's roles are cluster-wide, and
/// two hosts creating them at once in the shared test cluster would race.
@Suite("Gallery: media by content, thumbnails with libvips, references", .serialized)
struct GalleryTests {
    @Test("bytes that are not an image are refused even with a .png name; the name never decides the type")
    func refusesByContent() async throws {
        let g = try await GalleryHost.start()
        defer { g.stop() }
        try await g.http { client in
            let text = try await g.upload(client, Array("hello, I am only text".utf8), name: "photo.png", type: "image/png")
            #expect(text.status == .unsupportedMediaType, "\(text.text)")
            #expect(text.text.contains(#""field":"file""#), "\(text.text)")
            #expect(text.text.contains("photo.png") && text.text.contains("not one of"), "\(text.text)")

            let pdf = try await g.upload(client, Fixtures.pdf, name: "cover.png", type: "image/png")
            #expect(pdf.status == .unsupportedMediaType, "\(pdf.text)")
            #expect(pdf.text.contains("named like a PNG image but its bytes are a PDF document"), "\(pdf.text)")

            // PNG's magic number followed by garbage: sniffed as PNG, refused by libvips.
            let fake = try await g.upload(client, Array(Fixtures.png(8, 8).prefix(16)) + Array(repeating: 7, count: 64), name: "x.png", type: "image/png")
            #expect(fake.status == .unprocessableContent, "\(fake.text)")
            #expect(fake.text.contains("cannot be decoded"), "\(fake.text)")

            // A small file declaring 20000x20000 pixels is refused before any pixel is decoded.
            let bomb = try await g.upload(client, Fixtures.pngDeclaring(width: 20000, height: 20000), name: "bomb.png", type: "image/png")
            #expect(bomb.status == .unprocessableContent, "\(bomb.text)")
            #expect(bomb.text.contains("20000x20000 pixels"), "\(bomb.text)")

            let tooBig = try await g.upload(client, Fixtures.pdf + Array(repeating: 32, count: 5000), name: "big.pdf", type: "application/pdf")
            #expect(tooBig.status == .contentTooLarge, "\(tooBig.text)")
            #expect(tooBig.text.contains("limit for documents is 4096 bytes"), "\(tooBig.text)")

            let anonymous = try await client.execute(uri: "/api/gallery/media", method: .post, headers: [.contentType: "multipart/form-data; boundary=x"],
                                                     body: ByteBuffer(string: "--x--"))
            #expect(anonymous.status == .unauthorized)
        }
        #expect(try g.db.count("SELECT count(*) FROM gallery.media") == 0)
        let left = try g.storedFiles()
        #expect(left.isEmpty, "a refused upload left files: \(left)")
    }

    @Test("a PNG and a JPEG get a thumbnail and resized variants of the right sizes, read back with libvips")
    func variantsHaveTheRightSizes() async throws {
        let g = try await GalleryHost.start()
        defer { g.stop() }
        try await g.http { client in
            let png = try await g.upload(client, Fixtures.png(1200, 800), name: "wide.png", type: "image/png", alt: "A wide field", tags: "summer, hero")
            #expect(png.status == .created, "\(png.text)")
            #expect(png.json["width"] as? Int == 1200 && png.json["height"] as? Int == 800)
            #expect(png.json["alt"] as? String == "A wide field")
            #expect(png.json["tags"] as? [String] == ["summer", "hero"])
            let variants = try #require(png.json["variants"] as? [String: [String: Any]])
            // 1200x800 fits 160, 480 and 1024 boxes; a 2048 copy would be larger than the original.
            #expect(Set(variants.keys) == ["thumb", "small", "medium"], "\(variants.keys)")
            for (name, expectedWidth, expectedHeight) in [("thumb", 160, 107), ("small", 480, 320), ("medium", 1024, 683)] {
                let v = try #require(variants[name])
                let decoded = try await g.fetchImage(client, try #require(v["url"] as? String))
                #expect(decoded.width == expectedWidth && abs(decoded.height - expectedHeight) <= 1, "\(name): \(decoded)")
                #expect(v["width"] as? Int == decoded.width && v["height"] as? Int == decoded.height, "\(name): \(v)")
                #expect(v["content_type"] as? String == "image/png")
                #expect(decoded.magic.starts(with: [0x89, 0x50, 0x4E, 0x47]))
            }

            let jpeg = try await g.upload(client, Fixtures.jpeg(3000, 2000), name: "camera.JPG", type: "image/jpeg")
            #expect(jpeg.status == .created, "\(jpeg.text)")
            let jv = try #require(jpeg.json["variants"] as? [String: [String: Any]])
            #expect(Set(jv.keys) == ["thumb", "small", "medium", "large"], "\(jv.keys)")
            for (name, expectedWidth, expectedHeight) in [("thumb", 160, 107), ("large", 2048, 1365)] {
                let decoded = try await g.fetchImage(client, try #require(jv[name]?["url"] as? String))
                #expect(decoded.width == expectedWidth && abs(decoded.height - expectedHeight) <= 1, "\(name): \(decoded)")
                #expect(decoded.magic.starts(with: [0xFF, 0xD8, 0xFF]), "\(name) is not a JPEG")
            }

            // A portrait image: the box bounds the height.
            let tall = try await g.upload(client, Fixtures.png(300, 600), name: "tall.png", type: "image/png")
            let tv = try #require(tall.json["variants"] as? [String: [String: Any]])
            #expect(Set(tv.keys) == ["thumb", "small"])
            #expect(tv["thumb"]?["width"] as? Int == 80 && tv["thumb"]?["height"] as? Int == 160, "\(tv)")

            // Video and documents are stored by content too, without variants.
            let video = try await g.upload(client, Fixtures.mp4, name: "clip.mp4", type: "video/mp4")
            #expect(video.status == .created, "\(video.text)")
            #expect(video.json["kind"] as? String == "video" && video.json["content_type"] as? String == "video/mp4")
            let doc = try await g.upload(client, Fixtures.pdf, name: "manual.pdf", type: "application/pdf")
            #expect(doc.json["kind"] as? String == "document" && (doc.json["variants"] as? [String: Any])?.isEmpty == true, "\(doc.text)")
        }
        #expect(try g.db.count("SELECT count(*) FROM gallery.variants") == 3 + 4 + 2)
    }

    @Test("the same bytes uploaded twice are stored once and answer the same medium")
    func deduplicatesBySHA256() async throws {
        let g = try await GalleryHost.start()
        defer { g.stop() }
        let bytes = Fixtures.png(640, 480)
        try await g.http { client in
            let first = try await g.upload(client, bytes, name: "a.png", type: "image/png")
            let second = try await g.upload(client, bytes, name: "copy-of-a.png", type: "image/png")
            #expect(first.status == .created && second.status == .ok, "\(first.status) \(second.status)")
            #expect(second.json["deduplicated"] as? Bool == true && first.json["deduplicated"] as? Bool == false)
            #expect(first.json["id"] as? String == second.json["id"] as? String)
            let sha = try #require(first.json["sha256"] as? String)
            #expect(sha == Fixtures.sha256(bytes))
        }
        #expect(try g.db.count("SELECT count(*) FROM gallery.media") == 1)
        // One original and its thumb + small: three files, each named by its own hash.
        let files = try g.storedFiles()
        #expect(files.count == 3, "\(files)")
        #expect(files.contains(Fixtures.sha256(bytes)))
    }

    @Test("a referenced medium's delete is refused with 409 naming the references; with force it goes, files too")
    func referencedMediumNeedsForce() async throws {
        let g = try await GalleryHost.start()
        defer { g.stop() }
        try await g.http { client in
            let up = try await g.upload(client, Fixtures.png(400, 300), name: "product.png", type: "image/png")
            let id = try #require(up.json["id"] as? String)
            let sha = try #require(up.json["sha256"] as? String)

            // Catalog attaches it through the command; staff through the API.
            let reply = try g.host.ask("gallery.media.reference", #"{"media_id": "\#(id)", "owner_type": "catalog.product", "owner_id": "p-42", "role": "cover"}"#)
            #expect((reply["references"] as? [[String: Any]])?.count == 1, "\(reply)")
            let staff = try await client.execute(uri: "/api/gallery/media/\(id)/references", method: .post, headers: g.staff,
                                                 body: ByteBuffer(string: #"{"owner_type": "blog.post", "owner_id": "7"}"#))
            #expect(staff.status == .created, "\(String(buffer: staff.body))")
            // A reference to a medium that does not exist is refused, naming it.
            let missing = g.host.request(topic: "gallery.media.reference", payload: Data(#"{"media_id": "00000000-0000-0000-0000-000000000000", "owner_type": "catalog.product", "owner_id": "p-1"}"#.utf8),
                                         source: "catalog", timeout: .seconds(10))
            #expect(missing.status != 0 && missing.message.contains("does not exist"), "\(missing.message)")

            let refused = try await client.execute(uri: "/api/gallery/media/\(id)", method: .delete, headers: g.staff)
            #expect(refused.status == .conflict)
            let problem = String(buffer: refused.body)
            #expect(problem.contains("catalog.product p-42") && problem.contains("blog.post 7") && problem.contains("force=true"), "\(problem)")
            #expect(try g.db.count("SELECT count(*) FROM gallery.media") == 1)
            #expect(try g.storedFiles().contains(sha))

            let forced = try await client.execute(uri: "/api/gallery/media/\(id)?force=true", method: .delete, headers: g.staff)
            #expect(forced.status == .ok, "\(String(buffer: forced.body))")
            let gone = try await client.execute(uri: "/api/gallery/media/\(id)", method: .get, headers: g.staff)
            #expect(gone.status == .notFound)
            let file = try await client.execute(uri: "/media/\(sha).png", method: .get)
            #expect(file.status == .notFound)

            // Released references no longer block a plain delete.
            let other = try await g.upload(client, Fixtures.png(200, 100), name: "other.png", type: "image/png")
            let otherID = try #require(other.json["id"] as? String)
            _ = try g.host.ask("gallery.media.reference", #"{"media_id": "\#(otherID)", "owner_type": "catalog.product", "owner_id": "p-9"}"#)
            let released = try g.host.ask("gallery.media.release", #"{"media_id": "\#(otherID)", "owner_type": "catalog.product", "owner_id": "p-9"}"#)
            #expect((released["references"] as? [Any])?.isEmpty == true, "\(released)")
            let plain = try await client.execute(uri: "/api/gallery/media/\(otherID)", method: .delete, headers: g.staff)
            #expect(plain.status == .ok, "\(String(buffer: plain.body))")
        }
        #expect(try g.db.count("SELECT count(*) FROM gallery.media") == 0)
        #expect(try g.db.count("SELECT count(*) FROM gallery.media_references") == 0)
        let left = try g.storedFiles()
        #expect(left.isEmpty, "files left after forced deletes: \(left)")
    }

    @Test("files are served at content-addressed URLs with year-long immutable cache headers and ETag revalidation")
    func cacheHeaders() async throws {
        let g = try await GalleryHost.start()
        defer { g.stop() }
        let bytes = Fixtures.png(320, 200)
        try await g.http { client in
            let up = try await g.upload(client, bytes, name: "c.png", type: "image/png")
            let url = try #require(up.json["url"] as? String)
            let sha = Fixtures.sha256(bytes)
            #expect(url == "/media/\(sha).png")
            let r = try await client.execute(uri: url, method: .get)
            #expect(r.status == .ok)
            #expect(Array(Data(buffer: r.body)) == bytes)
            #expect(r.headers[.contentType] == "image/png")
            #expect(r.headers[.cacheControl] == "public, max-age=31536000, immutable")
            #expect(r.headers[.eTag] == "\"\(sha)\"")
            #expect(r.headers[HTTPField.Name("x-content-type-options")!] == "nosniff")

            let again = try await client.execute(uri: url, method: .get, headers: [.ifNoneMatch: "\"\(sha)\""])
            #expect(again.status == .notModified)
            #expect(again.body.readableBytes == 0)
            let wrongExtension = try await client.execute(uri: "/media/\(sha).jpg", method: .get)
            #expect(wrongExtension.status == .notFound)
            let notAHash = try await client.execute(uri: "/media/..%2F..%2Fetc%2Fpasswd", method: .get)
            #expect(notAHash.status == .notFound)
        }
    }

    @Test("alt text and tags change through the API; the library filters by tag")
    func altTextAndTags() async throws {
        let g = try await GalleryHost.start()
        defer { g.stop() }
        try await g.http { client in
            let a = try await g.upload(client, Fixtures.png(50, 50), name: "a.png", type: "image/png", tags: "red")
            _ = try await g.upload(client, Fixtures.png(60, 50), name: "b.png", type: "image/png", tags: "blue")
            let id = try #require(a.json["id"] as? String)
            let patch = try await client.execute(uri: "/api/gallery/media/\(id)", method: .patch, headers: g.staff.merging(json: true),
                                                 body: ByteBuffer(string: #"{"alt": "A red square", "tags": ["red", " sale ", "red"]}"#))
            #expect(patch.status == .ok, "\(String(buffer: patch.body))")
            let patched = try #require(try JSONSerialization.jsonObject(with: Data(buffer: patch.body)) as? [String: Any])
            #expect(patched["alt"] as? String == "A red square" && patched["tags"] as? [String] == ["red", "sale"], "\(patched)")
            let list = try await client.execute(uri: "/api/gallery/media?tag=sale", method: .get, headers: g.staff)
            let media = try #require((try JSONSerialization.jsonObject(with: Data(buffer: list.body)) as? [String: Any])?["media"] as? [[String: Any]])
            #expect(media.map { $0["id"] as? String } == [id])
        }
    }

    @Test("AI generation is an extension point: refused with 503 naming the Intelligence module while none is active")
    func generationWaitsForIntelligence() async throws {
        let g = try await GalleryHost.start()
        defer { g.stop() }
        try await g.http { client in
            let r = try await client.execute(uri: "/api/gallery/generate", method: .post, headers: g.staff.merging(json: true),
                                             body: ByteBuffer(string: #"{"prompt": "a red bicycle on a beach"}"#))
            #expect(r.status == .serviceUnavailable)
            let text = String(buffer: r.body)
            #expect(text.contains("Intelligence module") && text.contains("intelligence.image.generate"), "\(text)")
        }
        #expect(try g.db.count("SELECT count(*) FROM gallery.media") == 0)
    }

    @Test("with a plugin answering intelligence.image.generate, Gallery stores the image it replies like an upload")
    func generationStoresTheReply() async throws {
        let image = Fixtures.png(600, 400)
        let standIn = try IntelligenceStandIn(replying: image)
        defer { try? FileManager.default.removeItem(at: standIn.folder) }
        let g = try await GalleryHost.start(extraManifest: standIn.manifest, extraLibraries: standIn.libraries)
        defer { g.stop() }
        try #require(g.host.plugin("intelligence")?.state == .active, "\(g.host.plugin("intelligence")?.reason ?? "not loaded")")
        try await g.http { client in
            let r = try await client.execute(uri: "/api/gallery/generate", method: .post, headers: g.staff.merging(json: true),
                                             body: ByteBuffer(string: #"{"prompt": "a red bicycle on a beach", "tags": ["bikes"]}"#))
            #expect(r.status == .created, "\(String(buffer: r.body))")
            let medium = try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
            #expect(medium["sha256"] as? String == Fixtures.sha256(image))
            #expect(medium["width"] as? Int == 600 && medium["height"] as? Int == 400)
            #expect(medium["alt"] as? String == "a red bicycle on a beach")
            #expect(medium["tags"] as? [String] == ["bikes", "ai-generated"], "\(medium)")
            #expect(Set((medium["variants"] as? [String: Any] ?? [:]).keys) == ["thumb", "small"])
        }
    }
}

// MARK: - Support

/// Tests/Fixtures/intelligence_standin.c built into a temporary folder with its manifest.
struct IntelligenceStandIn {
    let folder: URL
    var manifest: URL { folder.appendingPathComponent("intelligence.json") }
    var libraries: URL { folder }

    init(replying image: [UInt8]) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("eop-gallery-standin-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let source = Repo.root.appendingPathComponent("Plugins/Gallery/Tests/Fixtures/intelligence_standin.c")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["cc", "-std=c11", "-shared", "-fPIC", "-I", Repo.root.appendingPathComponent("SDK/include").path,
                             "-DSTANDIN_IMAGE=\"\(Data(image).base64EncodedString())\"", source.path,
                             "-o", folder.appendingPathComponent("libintelligence_standin.so").path]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "cc failed for \(source.lastPathComponent)")
        try Data(#"""
            {"id": "intelligence", "version": "0.0.1", "abi": "1.1", "library": "libintelligence_standin.so", "runtime": "c",
             "answers": [{"topic": "intelligence.image.generate", "handler": "standin_generate"}]}
            """#.utf8).write(to: manifest)
    }
}

/// The repository and the built products.
enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static var buildDirectory: URL {
        ProcessInfo.processInfo.environment["EOP_BUILD_DIR"].map { URL(fileURLWithPath: $0) } ?? root.appendingPathComponent(".build/debug")
    }
}

/// Test principals from an `x-test-principal: staff:<id>:<perm,perm>` header.
struct HeaderPrincipals: PrincipalResolver {
    func principal(for headers: HTTPFields) async -> GatewayPrincipal {
        guard let text = headers[HTTPField.Name("x-test-principal")!] else { return .anonymous }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        return GatewayPrincipal(kind: parts[0] == "staff" ? .staff : .anonymous, id: parts.count > 1 ? parts[1] : "",
                                permissions: Set(parts.count > 2 ? parts[2].split(separator: ",").map(String.init) : []))
    }
}

extension PluginHost {
    /// A command or query as the test source, its JSON reply decoded.
    func ask(_ topic: String, _ payload: String) throws -> [String: Any] {
        let r = request(topic: topic, payload: Data(payload.utf8), source: "test", timeout: .seconds(10))
        try #require(r.status == 0, "\(topic): status \(r.status): \(r.message)")
        return try #require(try JSONSerialization.jsonObject(with: r.reply) as? [String: Any])
    }
}

extension HTTPFields {
    func merging(json: Bool) -> HTTPFields {
        var copy = self
        copy[.contentType] = "application/json"
        return copy
    }
}

/// An HTTP answer read whole.
struct Answer {
    let status: HTTPResponse.Status
    let text: String
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
}

/// Gallery loaded in a durable host on a fresh database, files in a temporary folder.
final class GalleryHost: @unchecked Sendable {
    let root: URL
    let storage: URL
    let db: Database
    let host: PluginHost
    let log: EventLog
    let staff: HTTPFields = [HTTPField.Name("x-test-principal")!: "staff:s1:gallery.media.read,gallery.media.write,gallery.media.delete"]

    struct Database {
        let target: DatabaseTarget
        func count(_ sql: String) throws -> Int64 {
            let c = try PostgresConnection(target.conninfo)
            defer { c.close() }
            return try c.execute(sql).int64(row: 0, column: 0) ?? -1
        }
    }

    private init(root: URL, storage: URL, db: Database, host: PluginHost, log: EventLog) {
        self.root = root
        self.storage = storage
        self.db = db
        self.host = host
        self.log = log
    }

    static func start(extraManifest: URL? = nil, extraLibraries: URL? = nil) async throws -> GalleryHost {
        let cluster = try await TestCluster.shared()
        let name = TestCluster.uniqueName("gallery")
        let admin = try await TestCluster.connect()
        _ = try admin.execute("CREATE DATABASE \(name)")
        admin.close()
        let password = try String(contentsOfFile: cluster.passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let target = DatabaseTarget(host: cluster.socketDirectory, port: cluster.port, database: name, user: cluster.superuser, password: password)

        let root = FileManager.default.temporaryDirectory.appendingPathComponent("eop-gallery-\(UUID().uuidString.prefix(8))")
        let storage = root.appendingPathComponent("media")
        let log = try EventLog(target: target, retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5)))
        let settings = #"{"storage_directory": "\#(storage.path)", "max_document_bytes": 4096}"#
        let configuration = LoaderConfiguration(
            manifestPaths: [Repo.root.appendingPathComponent("Manifests/gallery.json")] + [extraManifest].compactMap { $0 },
            librarySearchPaths: [extraLibraries].compactMap { $0 } + [Repo.buildDirectory],
            imageDirectory: root.appendingPathComponent("images"), events: try EventCatalog.load(directory: Repo.root.appendingPathComponent("Manifests/events")),
            settings: ["gallery": Data(settings.utf8)], transport: log, storage: log, swapHistory: log)
        let host = PluginHost(configuration: configuration)
        log.registerExtensions(on: host)
        host.boot()
        let g = GalleryHost(root: root, storage: storage, db: Database(target: target), host: host, log: log)
        try #require(host.plugin("gallery")?.state == .active, "gallery is not active: \(host.plugin("gallery")?.reason ?? "not loaded")")
        return g
    }

    func stop() {
        host.shutdown()
        log.shutdown()
        try? FileManager.default.removeItem(at: root)
    }

    /// Runs `body` against the gateway over real HTTP.
    func http(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let gateway = Gateway(plugins: host, configuration: .init(port: 0, principals: HeaderPrincipals()))
        try await gateway.application().test(.live) { client in try await body(client) }
    }

    /// A multipart upload as staff.
    func upload(_ client: any TestClientProtocol, _ bytes: [UInt8], name: String, type: String, alt: String? = nil, tags: String? = nil) async throws -> Answer {
        let boundary = "gallery-\(UUID().uuidString)"
        var body = [UInt8]()
        func text(_ s: String) { body += Array(s.utf8) }
        text("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: \(type)\r\n\r\n")
        body += bytes
        text("\r\n")
        if let alt { text("--\(boundary)\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\n\(alt)\r\n") }
        if let tags { text("--\(boundary)\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\n\(tags)\r\n") }
        text("--\(boundary)--\r\n")
        var headers = staff
        headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
        let r = try await client.execute(uri: "/api/gallery/media", method: .post, headers: headers, body: ByteBuffer(bytes: body))
        return Answer(status: r.status, text: String(buffer: r.body))
    }

    /// Fetches a media URL and decodes it with libvips.
    func fetchImage(_ client: any TestClientProtocol, _ url: String) async throws -> (width: Int, height: Int, magic: [UInt8]) {
        let r = try await client.execute(uri: url, method: .get)
        try #require(r.status == .ok, "\(url): \(r.status)")
        let bytes = Array(Data(buffer: r.body))
        let size = try Fixtures.decode(bytes)
        return (size.width, size.height, Array(bytes.prefix(4)))
    }

    /// The hashes of the files in the store (temporary files excluded).
    func storedFiles() throws -> Set<String> {
        guard let walker = FileManager.default.enumerator(atPath: storage.path) else { return [] }
        var names = Set<String>()
        for case let path as String in walker {
            let name = (path as NSString).lastPathComponent
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: storage.appendingPathComponent(path).path, isDirectory: &isDirectory), !isDirectory.boolValue {
                names.insert(name)
            }
        }
        return names
    }
}

/// Test files drawn with libvips, and small real headers of other formats.
enum Fixtures {
    static let started: Bool = eop_vips_start() == 0

    /// A grey RGB image encoded with `suffix`.
    static func image(_ width: Int32, _ height: Int32, suffix: String) -> [UInt8] {
        precondition(started, "libvips did not start")
        var black: UnsafeMutablePointer<VipsImage>?, grey: UnsafeMutablePointer<VipsImage>?
        precondition(eop_vips_black(width, height, 3, &black) == 0, String(cString: eop_vips_error()))
        defer { eop_vips_release(black) }
        // Width and height change the shade, so different sizes are different bytes.
        precondition(eop_vips_brighten(black, Double(width % 200 + height % 50), &grey) == 0, String(cString: eop_vips_error()))
        defer { eop_vips_release(grey) }
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        precondition(eop_vips_save(grey, suffix, &buffer, &length) == 0, String(cString: eop_vips_error()))
        defer { g_free(buffer) }
        return Array(UnsafeRawBufferPointer(start: buffer, count: length))
    }

    static func png(_ width: Int32, _ height: Int32) -> [UInt8] { image(width, height, suffix: ".png") }

    /// A small PNG whose header (IHDR) claims another size, with the header's CRC fixed.
    static func pngDeclaring(width: UInt32, height: UInt32) -> [UInt8] {
        var bytes = png(8, 8)
        for (offset, value) in [(16, width), (20, height)] {
            for i in 0..<4 { bytes[offset + i] = UInt8((value >> (24 - 8 * UInt32(i))) & 0xFF) }
        }
        let crc = crc32(bytes[12..<29])
        for i in 0..<4 { bytes[29 + i] = UInt8((crc >> (24 - 8 * UInt32(i))) & 0xFF) }
        return bytes
    }

    /// PNG's CRC-32 (ISO 3309, reflected, polynomial 0xEDB88320).
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
    static func jpeg(_ width: Int32, _ height: Int32) -> [UInt8] { image(width, height, suffix: ".jpg") }

    /// Decodes image bytes with libvips; the error is libvips's.
    static func decode(_ bytes: [UInt8]) throws -> (width: Int, height: Int) {
        precondition(started)
        let image = bytes.withUnsafeBytes { eop_vips_load($0.baseAddress, $0.count) }
        guard let image else { throw VipsFailure(description: String(cString: eop_vips_error())) }
        defer { eop_vips_release(image) }
        return (Int(vips_image_get_width(image)), Int(vips_image_get_height(image)))
    }

    struct VipsFailure: Error, CustomStringConvertible { let description: String }

    /// A minimal PDF.
    static let pdf = Array("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".utf8)
    /// The start of an MP4: an `ftyp` box (major brand mp42) and an empty `mdat`.
    static let mp4: [UInt8] = [0, 0, 0, 0x18] + Array("ftypmp42".utf8) + [0, 0, 0, 0] + Array("mp42isom".utf8) + [0, 0, 0, 8] + Array("mdat".utf8)

    static func sha256(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }
}
