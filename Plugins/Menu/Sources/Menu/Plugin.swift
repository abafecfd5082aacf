// Entry point and C exports of the Menu plugin; the work is in Menu.swift and Routes.swift.
import EOPSDK

@_cdecl("eop_plugin_entry")
public func eop_plugin_entry() -> UnsafeRawPointer { PluginExport.descriptor(for: Menu.self) }

@_cdecl("menu_http_menus_list")
public func menu_http_menus_list(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.serve(ctx, req, resp, err) { (plugin: Menu, request) in try plugin.listMenus(request) }
}

@_cdecl("menu_http_menu_create")
public func menu_http_menu_create(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.serve(ctx, req, resp, err) { (plugin: Menu, request) in try plugin.createMenu(request) }
}

@_cdecl("menu_http_menu_get")
public func menu_http_menu_get(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.serve(ctx, req, resp, err) { (plugin: Menu, request) in try plugin.getMenu(request) }
}

@_cdecl("menu_http_menu_delete")
public func menu_http_menu_delete(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.serve(ctx, req, resp, err) { (plugin: Menu, request) in try plugin.deleteMenu(request) }
}

@_cdecl("menu_http_item_add")
public func menu_http_item_add(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.serve(ctx, req, resp, err) { (plugin: Menu, request) in try plugin.addItem(request) }
}

@_cdecl("menu_http_item_update")
public func menu_http_item_update(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.serve(ctx, req, resp, err) { (plugin: Menu, request) in try plugin.updateItem(request) }
}

@_cdecl("menu_http_item_delete")
public func menu_http_item_delete(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.serve(ctx, req, resp, err) { (plugin: Menu, request) in try plugin.deleteItem(request) }
}

@_cdecl("menu_http_public")
public func menu_http_public(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.serve(ctx, req, resp, err) { (plugin: Menu, request) in try plugin.publicMenu(request) }
}

@_cdecl("menu_http_admin")
public func menu_http_admin(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.serve(ctx, req, resp, err) { (plugin: Menu, request) in try plugin.adminMenu(request) }
}
