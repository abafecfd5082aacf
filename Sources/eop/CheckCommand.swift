import ArgumentParser
import EOPHost
import EOPLoader
import Foundation

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a plugin without activating it: manifest, settings, library, ABI, handler symbols, typed signatures."
    )

    @Argument(help: "A plugin folder (holding manifest.json) or a manifest file.") var path: String

    func run() throws {
        var url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CLIError("\(path): no such file or folder")
        }
        if isDirectory.boolValue { url = url.appendingPathComponent("manifest.json") }
        CLI.bootstrapLogging(level: .critical)
        var configuration = try CLI.configuration()
        configuration.manifestPaths = [url]
        let platform = try Platform(configuration: configuration)
        let problems = platform.plugins.check(manifestAt: url)
        try? FileManager.default.removeItem(at: platform.plugins.configuration.imageDirectory)
        guard problems.isEmpty else {
            problems.forEach { print("error: \($0)") }
            throw ExitCode.failure
        }
        print("ok: \(url.path) would load (ABI \(ABICheck.hostVersionText))")
    }
}
