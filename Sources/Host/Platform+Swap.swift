import EOPLicense
import EOPLoader
import Foundation

extension Platform {
    /// Swaps active plugin `id` to the version at `source`: a signed bundle
    /// (`.eopbundle`, verified against the trust store and installed first), a folder
    /// holding `manifest.json` and the library, or a manifest file.
    @discardableResult
    public func swap(_ id: String, source: String, by: String, pauseDeadline: Duration = .seconds(5),
                     progress: @escaping (SwapStep) -> Void = { _ in }) throws -> SwapRecord {
        let url = URL(fileURLWithPath: source)
        var target = url
        if url.pathExtension == BundlePacker.fileExtension {
            let started = ContinuousClock.now
            do {
                let installed = try BundleInstaller.install(bundle: url, pluginsDirectory: configuration.home.appendingPathComponent("plugins"),
                                                            verifier: bundleVerifier(), force: true)
                target = URL(fileURLWithPath: installed.directory)
                progress(SwapStep(name: "signature", ok: true, milliseconds: started.duration(to: .now).seconds * 1000,
                                  detail: "\(installed.id) \(installed.version) signed by \(installed.publisher); unpacked to \(installed.directory)"))
            } catch {
                progress(SwapStep(name: "signature", ok: false, milliseconds: started.duration(to: .now).seconds * 1000, detail: "\(error)"))
                throw SwapError(step: "signature", reason: "\(url.path): \(error)", record: nil)
            }
        }
        defer { writeRunState() }
        return try plugins.swap(id, to: target, options: SwapOptions(pauseDeadline: pauseDeadline, by: by), progress: progress)
    }

    /// Returns `id` to the version it ran before its last swap.
    @discardableResult
    public func rollback(_ id: String, by: String, progress: @escaping (SwapStep) -> Void = { _ in }) throws -> SwapRecord {
        defer { writeRunState() }
        return try plugins.rollback(id, options: SwapOptions(by: by), progress: progress)
    }

    /// Swap records: from the database when there is one (every host's, across restarts), else this process's.
    public func swapHistory(_ id: String?) throws -> [SwapRecord] {
        try eventLog?.history(of: id) ?? plugins.swapHistory(id)
    }

    /// The operator trust store plus vendor certification through the license keyring.
    func bundleVerifier() throws -> BundleVerifier {
        try BundleVerifier.forHost(files: configuration.licenseFiles, mode: configuration.licenseMode)
    }
}
