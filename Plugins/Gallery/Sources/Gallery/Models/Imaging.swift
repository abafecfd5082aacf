import CVips
import Foundation

/// Image decoding and resizing with libvips (through Sources/CVips).
enum Imaging {
    /// A resized copy made on upload: fits inside `box` x `box`, never enlarged.
    struct VariantSpec: Sendable {
        let name: String
        let box: Int32
    }

    /// The variants every image gets. The thumbnail always exists; a larger size only
    /// when the original is bigger than it (a copy as large as the original adds nothing).
    static let variants = [
        VariantSpec(name: "thumb", box: 160),
        VariantSpec(name: "small", box: 480),
        VariantSpec(name: "medium", box: 1024),
        VariantSpec(name: "large", box: 2048),
    ]

    struct Encoded {
        let bytes: [UInt8]
        let width: Int
        let height: Int
        let type: ContentType
    }

    /// libvips starts once per process; a failure is kept and reported on every upload.
    private static let started: String? = eop_vips_start() == 0 ? nil : lastError()

    /// The most pixels an image may have. Rationale: a few kilobytes of PNG can declare
    /// billions of pixels (a decompression bomb); the header says so before any decoding.
    static let maxPixels = 100_000_000

    /// The size of an image, after decoding every pixel (a corrupt file fails here).
    static func inspect(_ bytes: [UInt8]) throws(GalleryError) -> (width: Int, height: Int) {
        try ensureStarted()
        let image: UnsafeMutablePointer<VipsImage>? = bytes.withUnsafeBytes { eop_vips_load($0.baseAddress, $0.count) }
        guard let image else { throw .unprocessable("file", "the image cannot be decoded: \(lastError())") }
        defer { eop_vips_release(image) }
        let width = Int(vips_image_get_width(image)), height = Int(vips_image_get_height(image))
        guard width * height <= maxPixels else {
            throw .unprocessable("file", "the image is \(width)x\(height) pixels; the most accepted is \(maxPixels / 1_000_000) megapixels")
        }
        var average = 0.0
        guard eop_vips_check_pixels(image, &average) == 0 else { throw .unprocessable("file", "the image's pixels cannot be decoded: \(lastError())") }
        return (width, height)
    }

    /// A copy that fits inside `box` x `box`: JPEG for JPEG sources, PNG otherwise (keeps transparency).
    static func resize(_ bytes: [UInt8], source: ContentType, box: Int32) throws(GalleryError) -> Encoded {
        try ensureStarted()
        var out: UnsafeMutablePointer<VipsImage>?
        let status = bytes.withUnsafeBytes { eop_vips_thumbnail($0.baseAddress, $0.count, box, box, &out) }
        guard status == 0, let out else { throw .unprocessable("file", "the image cannot be resized: \(lastError())") }
        defer { eop_vips_release(out) }
        let type: ContentType = source == .jpeg ? .jpeg : .png
        let suffix = type == .jpeg ? ".jpg[Q=85,strip]" : ".png[compression=6]"
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        guard eop_vips_save(out, suffix, &buffer, &length) == 0, let buffer else {
            throw .unprocessable("file", "the resized image cannot be encoded: \(lastError())")
        }
        defer { g_free(buffer) }
        return Encoded(bytes: Array(UnsafeRawBufferPointer(start: buffer, count: length)), width: Int(vips_image_get_width(out)),
                       height: Int(vips_image_get_height(out)), type: type)
    }

    private static func ensureStarted() throws(GalleryError) {
        if let started { throw .unavailable("libvips did not start: \(started)") }
    }

    /// libvips's error text (one buffer per process), then cleared.
    private static func lastError() -> String {
        let text = String(cString: eop_vips_error()).trimmingCharacters(in: .whitespacesAndNewlines)
        eop_vips_error_clear()
        return text.isEmpty ? "libvips gave no reason" : text
    }
}
