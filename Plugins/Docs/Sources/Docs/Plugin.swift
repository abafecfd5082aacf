// Entry point and C exports of the Docs plugin; the work is in Docs.swift and beside it.
import EOPSDK

@_cdecl("eop_plugin_entry")
public func eop_plugin_entry() -> UnsafeRawPointer { PluginExport.descriptor(for: Docs.self) }

@_cdecl("docs_http_index")
public func docs_http_index(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.serve(ctx, req, resp, err) { (plugin: Docs, request) in try plugin.index(request) }
}

@_cdecl("docs_http_plugin")
public func docs_http_plugin(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.serve(ctx, req, resp, err) { (plugin: Docs, request) in try plugin.pluginPage(request) }
}

@_cdecl("docs_http_page")
public func docs_http_page(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.serve(ctx, req, resp, err) { (plugin: Docs, request) in try plugin.namedPage(request) }
}
