// Entry point and C exports of the Launcher plugin; the work is in Launcher.swift and beside it.
import EOPSDK

@_cdecl("eop_plugin_entry")
public func eop_plugin_entry() -> UnsafeRawPointer { PluginExport.descriptor(for: Launcher.self) }

@_cdecl("launcher_on_checklist_fact")
public func launcher_on_checklist_fact(_ ctx: UnsafeMutableRawPointer?, _ event: UnsafeRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.handle(ctx, event, err) { (plugin: Launcher, event) in try plugin.tick(event) }
}

@_cdecl("launcher_http_setup_get")
public func launcher_http_setup_get(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.serve(ctx, req, resp, err) { (plugin: Launcher, request) in try plugin.setupState(request) }
}

@_cdecl("launcher_http_setup_run")
public func launcher_http_setup_run(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.serve(ctx, req, resp, err) { (plugin: Launcher, request) in try plugin.runSetup(request) }
}

@_cdecl("launcher_http_checklist")
public func launcher_http_checklist(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.serve(ctx, req, resp, err) { (plugin: Launcher, request) in try plugin.checklist(request) }
}

@_cdecl("launcher_http_checklist_tick")
public func launcher_http_checklist_tick(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.serve(ctx, req, resp, err) { (plugin: Launcher, request) in try plugin.tickByHand(request) }
}

@_cdecl("launcher_http_health")
public func launcher_http_health(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.serve(ctx, req, resp, err) { (plugin: Launcher, request) in try plugin.health(request) }
}
