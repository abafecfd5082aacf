import EOPABI
import EOPSDK
import Foundation

/// AI image generation and improvement belong to the Intelligence module (Business tier).
/// Gallery's side of it is this extension point: it sends `intelligence.image.generate`
/// (declared under `requests` in Manifests/gallery.json) and stores the image that comes
/// back like any upload. While no active plugin answers that command, the route says so
/// with 503; nothing is invented in its place.
extension Gallery {
    static let generateTopic = "intelligence.image.generate"

    /// `POST /api/gallery/generate` with `{"prompt": …, "tags": […]}`.
    func generate(_ body: [UInt8]) throws -> HTTPAnswer {
        let object = try JSON.object(body)
        guard let prompt = object["prompt"] as? String, !prompt.isEmpty else { throw GalleryError.badRequest("prompt", "is required") }
        let outcome: Result<String, PluginError>
        do {
            outcome = .success(try host.request(Self.generateTopic, json: JSON.text(["prompt": prompt]), timeoutMS: 120_000))
        } catch {
            outcome = .failure(error)
        }
        let reply: String
        switch outcome {
        case .success(let text):
            reply = text
        case .failure(let error) where [EOP_ERR_NOT_FOUND, EOP_ERR_UNAVAILABLE].contains(error.status):
            throw GalleryError.unavailable("AI image generation needs the Intelligence module, and no active plugin answers \(Self.generateTopic) (\(error.message))")
        case .failure(let error):
            throw error
        }
        // The reply the extension point expects: {"image_base64": "<PNG or JPEG bytes>"}.
        guard let answer = try? JSON.object(Array(reply.utf8)), let encoded = answer["image_base64"] as? String,
              let data = Data(base64Encoded: encoded) else {
            throw GalleryError(status: 502, field: nil, reason: "\(Self.generateTopic) answered without an image_base64 field")
        }
        let tags = try Self.tags(((object["tags"] as? [String]) ?? []) + ["ai-generated"])
        let (medium, created) = try ingest(Array(data), fileName: "", alt: prompt, tags: tags)
        return JSON.answer(medium, status: created ? 201 : 200)
    }
}
