import EOPABI
import EOPManifest

/// Gives a plugin its place in the database before it is initialised: the storage
/// side provisions the module's schema and roles and runs its pending migrations.
/// A thrown error refuses the plugin with that message.
public protocol PluginStorage: Sendable {
    /// Prepares storage for `manifest`'s plugin.
    func prepare(_ manifest: PluginManifest) throws
    /// Called on the calling thread after each route, query or timer call into the plugin:
    /// a transaction the plugin left open is rolled back, so it cannot leak to the next call.
    func endCall(pluginID: String)
}

extension PluginHost {
    /// The id of the plugin that owns a host table (for extensions that the storage side
    /// implements, whose C functions receive the caller's host pointer).
    public static func pluginID(of host: UnsafePointer<eop_host_t>?) -> String? {
        PluginContext.from(host)?.manifest.id
    }

    /// The calling plugin's id and its host's storage.
    public static func caller(of host: UnsafePointer<eop_host_t>?) -> (id: String, storage: PluginStorage?)? {
        guard let context = PluginContext.from(host) else { return nil }
        return (context.manifest.id, context.host.configuration.storage)
    }
}
