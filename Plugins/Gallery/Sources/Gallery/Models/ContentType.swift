/// What a file is, judged from its first bytes (magic numbers), never from its name.
struct ContentType: Equatable, Sendable {
    enum Kind: String, Sendable { case image, video, document }

    let kind: Kind
    let mime: String
    /// The extension files of this type are stored and served with.
    let fileExtension: String
    /// Names this type goes by, for messages ("PNG image").
    let label: String
    /// Extensions a file name may carry for this type.
    let knownExtensions: Set<String>

    static let png = ContentType(kind: .image, mime: "image/png", fileExtension: "png", label: "PNG image", knownExtensions: ["png"])
    static let jpeg = ContentType(kind: .image, mime: "image/jpeg", fileExtension: "jpg", label: "JPEG image", knownExtensions: ["jpg", "jpeg", "jpe", "jfif"])
    static let gif = ContentType(kind: .image, mime: "image/gif", fileExtension: "gif", label: "GIF image", knownExtensions: ["gif"])
    static let webp = ContentType(kind: .image, mime: "image/webp", fileExtension: "webp", label: "WebP image", knownExtensions: ["webp"])
    static let mp4 = ContentType(kind: .video, mime: "video/mp4", fileExtension: "mp4", label: "MP4 video", knownExtensions: ["mp4", "m4v"])
    static let quicktime = ContentType(kind: .video, mime: "video/quicktime", fileExtension: "mov", label: "QuickTime video", knownExtensions: ["mov", "qt"])
    static let webm = ContentType(kind: .video, mime: "video/webm", fileExtension: "webm", label: "WebM video", knownExtensions: ["webm"])
    static let pdf = ContentType(kind: .document, mime: "application/pdf", fileExtension: "pdf", label: "PDF document", knownExtensions: ["pdf"])

    static let all: [ContentType] = [.png, .jpeg, .gif, .webp, .mp4, .quicktime, .webm, .pdf]

    /// The accepted types, for error messages.
    static var acceptedList: String { all.map(\.label).joined(separator: ", ") }

    /// The type the bytes start like, or nil for anything the gallery does not accept.
    static func sniff(_ bytes: [UInt8]) -> ContentType? {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && Array(bytes[offset..<offset + prefix.count]) == prefix
        }
        func ascii(_ text: String, at offset: Int = 0) -> Bool { starts(Array(text.utf8), at: offset) }

        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if ascii("GIF87a") || ascii("GIF89a") { return .gif }
        if ascii("RIFF"), ascii("WEBP", at: 8) { return .webp }
        if starts([0x1A, 0x45, 0xDF, 0xA3]) { return .webm }
        if ascii("%PDF-") { return .pdf }
        // ISO base media (MP4, MOV): a box whose type is "ftyp", then the major brand.
        if ascii("ftyp", at: 4), bytes.count >= 12 {
            let brand = String(decoding: bytes[8..<12], as: UTF8.self)
            return brand == "qt  " ? .quicktime : .mp4
        }
        return nil
    }

    /// The type a file name's extension claims, when it names one of ours.
    static func claimed(byFileName name: String) -> ContentType? {
        guard let dot = name.lastIndex(of: ".") else { return nil }
        let ext = name[name.index(after: dot)...].lowercased()
        return all.first { $0.knownExtensions.contains(ext) }
    }
}
