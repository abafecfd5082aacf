import Foundation

/// The signed part of a bundle (`bundle.sig` payload): who publishes which
/// plugin version, and every file's size and SHA-256.
///
/// JSON: `{"format":1,"publisher":"com.acme","plugin_id":"com.acme.reports","version":"1.2.0",
/// "files":[{"path":"manifest.json","size":123,"sha256":"…"}…]}`, files sorted by path.
public struct BundleFileList: Sendable, Equatable {
    /// One file.
    public struct File: Sendable, Equatable {
        /// Path inside the bundle.
        public var path: String
        /// Size in bytes.
        public var size: Int
        /// Lowercase hex SHA-256.
        public var sha256: String
    }

    /// Publisher namespace.
    public var publisher: String
    /// Plugin id (from the manifest).
    public var pluginID: String
    /// Plugin version (from the manifest).
    public var version: String
    /// Files, sorted by path.
    public var files: [File]

    /// JSON bytes (sorted keys).
    func jsonData() throws -> Data {
        let object: [String: Any] = [
            "format": 1, "publisher": publisher, "plugin_id": pluginID, "version": version,
            "files": files.map { ["path": $0.path, "size": $0.size, "sha256": $0.sha256] as [String: Any] },
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
    }

    /// Parses the payload.
    static func parse(_ data: Data) throws(BundleError) -> BundleFileList {
        guard let o = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw .malformedFileList(reason: "not a JSON object")
        }
        guard jsonInteger(o["format"]) == 1 else { throw .malformedFileList(reason: "format is not 1") }
        guard let publisher = o["publisher"] as? String, let id = o["plugin_id"] as? String,
              let version = o["version"] as? String, let list = o["files"] as? [[String: Any]] else {
            throw .malformedFileList(reason: "publisher, plugin_id, version or files missing")
        }
        var files: [File] = []
        for f in list {
            guard let path = f["path"] as? String, BundlePath.isSafeRelativePath(path),
                  let size64 = jsonInteger(f["size"]), size64 >= 0,
                  let sha = f["sha256"] as? String, sha.count == 64 else {
                throw .malformedFileList(reason: "bad file entry \(f)")
            }
            files.append(File(path: path, size: Int(size64), sha256: sha.lowercased()))
        }
        return BundleFileList(publisher: publisher, pluginID: id, version: version, files: files)
    }
}
