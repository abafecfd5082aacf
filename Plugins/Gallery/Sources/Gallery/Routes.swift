import EOPSDK

// The C exports the manifest's "routes" name. Each hands the request to an action;
// a GalleryError becomes problem+json with its status; a storage fault (a GalleryError
// of 500) or any other error goes to the host, which logs it and answers a plain 500.

typealias RouteContext = (ctx: UnsafeMutableRawPointer?, request: UnsafeRawPointer?, response: UnsafeMutableRawPointer?, err: UnsafeMutableRawPointer?)

private func serve(_ c: RouteContext, _ body: (Gallery, HTTPRequest) throws -> HTTPAnswer) -> Int32 {
    PluginExport.route(c.ctx, c.request, c.response, c.err) { (gallery: Gallery, request) in
        do {
            return try body(gallery, request)
        } catch let error as GalleryError where error.status != 500 {
            return error.answer
        }
    }
}

private extension HTTPRequest {
    var id: String { pathParameters["id"] ?? "" }
    func header(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }
    func flag(_ name: String) -> Bool { query.contains { $0.0 == name && ["true", "1", "yes"].contains($0.1.lowercased()) } }
}

@_cdecl("gallery_http_upload")
public func galleryUpload(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve((ctx, req, resp, err)) { gallery, request in try gallery.upload(request) }
}

@_cdecl("gallery_http_list")
public func galleryList(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve((ctx, req, resp, err)) { gallery, request in try gallery.list(request) }
}

@_cdecl("gallery_http_get")
public func galleryGet(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve((ctx, req, resp, err)) { gallery, request in JSON.answer(try gallery.medium(request.id)) }
}

@_cdecl("gallery_http_update")
public func galleryUpdate(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve((ctx, req, resp, err)) { gallery, request in try gallery.update(request.id, request.body) }
}

@_cdecl("gallery_http_delete")
public func galleryDelete(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve((ctx, req, resp, err)) { gallery, request in try gallery.delete(request.id, force: request.flag("force")) }
}

@_cdecl("gallery_http_reference")
public func galleryReference(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve((ctx, req, resp, err)) { gallery, request in
        JSON.answer(try gallery.attach(Gallery.Reference(mediaID: request.id, try JSON.object(request.body))), status: 201)
    }
}

@_cdecl("gallery_http_release")
public func galleryRelease(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve((ctx, req, resp, err)) { gallery, request in
        JSON.answer(try gallery.release(Gallery.Reference(mediaID: request.id, request.pathParameters)))
    }
}

@_cdecl("gallery_http_generate")
public func galleryGenerate(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve((ctx, req, resp, err)) { gallery, request in try gallery.generate(request.body) }
}

@_cdecl("gallery_http_file")
public func galleryFile(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    serve((ctx, req, resp, err)) { gallery, request in
        try gallery.file(request.pathParameters["file"] ?? "", ifNoneMatch: request.header("if-none-match"))
    }
}
