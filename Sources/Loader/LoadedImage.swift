import EOPABI
import Foundation

/// A plugin library mapped into the host from its own fresh copy.
///
/// Rationale: the Swift runtime keeps pointers into every image's metadata and
/// crashes on the next dynamic cast after dlclose, so images are opened with
/// RTLD_NODELETE and never closed; a copy per load gives every version its own
/// image even when the file on disk is replaced.
final class LoadedImage: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    let copyPath: URL
    let descriptor: UnsafePointer<eop_plugin_descriptor_t>

    private init(handle: UnsafeMutableRawPointer, copyPath: URL, descriptor: UnsafePointer<eop_plugin_descriptor_t>) {
        self.handle = handle
        self.copyPath = copyPath
        self.descriptor = descriptor
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
        guard let handle = dlopen(copy.path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            let message = dlerror().map { String(cString: $0) } ?? "unknown error"
            throw LoadError("dlopen failed for \(library.lastPathComponent): \(message)")
        }
        guard let symbol = dlsym(handle, EOP_PLUGIN_ENTRY_SYMBOL) else {
            throw LoadError("\(library.lastPathComponent) does not export '\(EOP_PLUGIN_ENTRY_SYMBOL)' (export it with EOP_EXPORT, or @_cdecl in Swift)")
        }
        let entry = unsafeBitCast(symbol, to: eop_plugin_entry_fn.self)
        guard let descriptor = entry() else {
            throw LoadError("\(EOP_PLUGIN_ENTRY_SYMBOL)() in \(library.lastPathComponent) returned NULL")
        }
        return LoadedImage(handle: handle, copyPath: copy, descriptor: descriptor)
    }

    /// Resolves an exported symbol.
    func symbol(_ name: String) -> UnsafeMutableRawPointer? { dlsym(handle, name) }
}

/// Why a plugin could not be loaded; the message is shown to the operator as is.
struct LoadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
