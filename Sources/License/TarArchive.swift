import Foundation

/// Minimal POSIX ustar reader/writer for bundles: regular files only,
/// deterministic headers (mode 0644, uid/gid 0, mtime 0), so `tar tf` can list
/// a bundle. Anything else (links, devices, PAX headers) is refused on read.
enum TarArchive {
    /// One regular file.
    struct Entry: Equatable {
        var path: String
        var data: Data
    }

    /// Why an archive cannot be read.
    struct FormatError: Error, CustomStringConvertible {
        var reason: String
        var description: String { "bundle archive: \(reason)" }
    }

    /// Writes entries in the given order.
    static func write(_ entries: [Entry]) throws -> Data {
        var out = Data()
        for entry in entries {
            out.append(try header(for: entry))
            out.append(entry.data)
            let pad = (512 - entry.data.count % 512) % 512
            out.append(Data(count: pad))
        }
        out.append(Data(count: 1024))
        return out
    }

    private static func header(for entry: Entry) throws -> Data {
        var h = [UInt8](repeating: 0, count: 512)
        var name = entry.path
        var prefix = ""
        let utf8 = Array(entry.path.utf8)
        if utf8.count > 100 {
            var split: Int? = nil
            for i in stride(from: utf8.count - 1, through: 0, by: -1) where utf8[i] == UInt8(ascii: "/") {
                if i <= 155 && utf8.count - i - 1 <= 100 { split = i; break }
            }
            guard let at = split else { throw FormatError(reason: "path too long: \(entry.path)") }
            prefix = String(decoding: utf8[..<at], as: UTF8.self)
            name = String(decoding: utf8[(at + 1)...], as: UTF8.self)
        }
        func put(_ text: String, _ offset: Int, _ length: Int) {
            for (i, b) in text.utf8.prefix(length).enumerated() { h[offset + i] = b }
        }
        func octal(_ value: Int, _ offset: Int, _ length: Int) {
            let s = String(value, radix: 8)
            put(String(repeating: "0", count: max(0, length - 1 - s.count)) + s, offset, length - 1)
        }
        put(name, 0, 100)
        octal(0o644, 100, 8)
        octal(0, 108, 8)
        octal(0, 116, 8)
        octal(entry.data.count, 124, 12)
        octal(0, 136, 12)
        for i in 148..<156 { h[i] = 0x20 }
        h[156] = UInt8(ascii: "0")
        put("ustar", 257, 6)
        put("00", 263, 2)
        put(prefix, 345, 155)
        let sum = h.reduce(0) { $0 + Int($1) }
        let s = String(sum, radix: 8)
        put(String(repeating: "0", count: max(0, 6 - s.count)) + s, 148, 6)
        h[154] = 0
        h[155] = 0x20
        return Data(h)
    }

    /// Reads every entry; refuses duplicates, unsafe paths and non-regular entries.
    static func read(_ data: Data) throws -> [Entry] {
        let bytes = [UInt8](data)
        var entries: [Entry] = []
        var seen = Set<String>()
        var offset = 0
        func field(_ start: Int, _ length: Int) -> String {
            let slice = bytes[(offset + start)..<(offset + start + length)]
            let end = slice.firstIndex(of: 0) ?? slice.endIndex
            return String(decoding: slice[slice.startIndex..<end], as: UTF8.self)
        }
        func number(_ start: Int, _ length: Int) throws -> Int {
            let text = field(start, length).trimmingCharacters(in: CharacterSet(charactersIn: " \0"))
            guard let n = Int(text.isEmpty ? "0" : text, radix: 8), n >= 0 else {
                throw FormatError(reason: "bad number in header at byte \(offset + start)")
            }
            return n
        }
        while offset + 512 <= bytes.count {
            if bytes[offset..<(offset + 512)].allSatisfy({ $0 == 0 }) { return entries }
            var sum = 0
            for i in 0..<512 { sum += (148..<156).contains(i) ? 0x20 : Int(bytes[offset + i]) }
            guard try number(148, 8) == sum else { throw FormatError(reason: "header checksum mismatch at byte \(offset)") }
            let type = bytes[offset + 156]
            guard type == UInt8(ascii: "0") || type == 0 else {
                throw FormatError(reason: "entry '\(field(0, 100))' is not a regular file")
            }
            let prefix = field(345, 155)
            let name = field(0, 100)
            let path = prefix.isEmpty ? name : prefix + "/" + name
            guard BundlePath.isSafeRelativePath(path) else { throw FormatError(reason: "unsafe path '\(path)'") }
            guard seen.insert(path).inserted else { throw FormatError(reason: "duplicate path '\(path)'") }
            let size = try number(124, 12)
            let start = offset + 512
            guard start + size <= bytes.count else { throw FormatError(reason: "entry '\(path)' is truncated") }
            entries.append(Entry(path: path, data: Data(bytes[start..<(start + size)])))
            offset = start + (size + 511) / 512 * 512
        }
        throw FormatError(reason: "missing end-of-archive marker (truncated?)")
    }
}
