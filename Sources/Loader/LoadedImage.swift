import EOPABI
import Foundation

/// A plugin library mapped into the host from its own fresh copy.
///
/// Rationale: the Swift runtime keeps pointers into every image's metadata and
/// crashes on the next dynamic cast after dlclose, so a Swift image is pinned with
/// RTLD_NODELETE and never closed; a C (or Rust, Zig…) image is closed for real once
/// no call can reach it. A copy per load gives every version its own image even when
/// the file on disk is replaced.
final class LoadedImage: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    let copyPath: URL
    let descriptor: UnsafePointer<eop_plugin_descriptor_t>
    /// Links the Swift runtime: pinned, stays mapped until the process ends.
    let isSwift: Bool
    private var closed = false

    private init(handle: UnsafeMutableRawPointer, copyPath: URL, descriptor: UnsafePointer<eop_plugin_descriptor_t>, isSwift: Bool) {
        self.handle = handle
        self.copyPath = copyPath
        self.descriptor = descriptor
        self.isSwift = isSwift
    }

    /// Copies `library` into `imageDirectory` and opens the copy.
    static func open(library: URL, imageDirectory: URL, tag: String) throws(LoadError) -> LoadedImage {
        let folder = imageDirectory.appendingPathComponent("\(tag)-\(UUID().uuidString.prefix(8).lowercased())")
        let copy = folder.appendingPathComponent(library.lastPathComponent)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: library, to: copy)
        } catch {
            throw LoadError("cannot copy \(library.path) to \(copy.path): \(error.localizedDescription)")
        }
        guard let handle = dlopen(copy.path, RTLD_NOW | RTLD_LOCAL) else {
            let message = dlerror().map { String(cString: $0) } ?? "unknown error"
            throw LoadError("dlopen failed for \(library.lastPathComponent): \(message)")
        }
        // A handle's lookups cover the image and its dependencies: only an image that
        // links the Swift runtime finds it. Pin such an image before any of its code runs
        // beyond its initialisers.
        let isSwift = dlsym(handle, "swift_retain") != nil
        if isSwift, dlopen(copy.path, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD | RTLD_NODELETE) == nil {
            throw LoadError("cannot pin the Swift image \(library.lastPathComponent) (RTLD_NODELETE): \(dlerror().map { String(cString: $0) } ?? "unknown error")")
        }
        guard let symbol = dlsym(handle, EOP_PLUGIN_ENTRY_SYMBOL) else {
            throw LoadError("\(library.lastPathComponent) does not export '\(EOP_PLUGIN_ENTRY_SYMBOL)' (export it with EOP_EXPORT, or @_cdecl in Swift)")
        }
        let entry = unsafeBitCast(symbol, to: eop_plugin_entry_fn.self)
        guard let descriptor = entry() else {
            throw LoadError("\(EOP_PLUGIN_ENTRY_SYMBOL)() in \(library.lastPathComponent) returned NULL")
        }
        return LoadedImage(handle: handle, copyPath: copy, descriptor: descriptor, isSwift: isSwift)
    }

    /// Unmaps a non-Swift image and removes its copy; the caller guarantees no call can
    /// reach it any more. A Swift image stays (returns false).
    @discardableResult
    func close() -> Bool {
        guard !isSwift, !closed else { return false }
        closed = true
        dlclose(handle)
        try? FileManager.default.removeItem(at: copyPath.deletingLastPathComponent())
        return true
    }

    /// Resolves an exported symbol.
    func symbol(_ name: String) -> UnsafeMutableRawPointer? { dlsym(handle, name) }
}

/// Why a plugin could not be loaded; the message is shown to the operator as is.
struct LoadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
