import EOPSDK

// The Gallery plugin's entry point and its command/query exports (routes: Routes.swift).

@_cdecl("eop_plugin_entry")
public func galleryEntry() -> UnsafeRawPointer { PluginExport.descriptor(for: Gallery.self) }

/// `gallery.media.reference` {media_id, owner_type, owner_id, role?}: replies with the medium's references.
@_cdecl("gallery_media_reference")
public func galleryMediaReference(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ reply: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.answer(ctx, query, reply, err) { (gallery: Gallery, event) in
        let object = try JSON.object(event.payload)
        return JSON.text(try gallery.attach(Gallery.Reference(mediaID: object["media_id"] as? String, object)))
    }
}

/// `gallery.media.release` {media_id, owner_type, owner_id}: replies with the references left.
@_cdecl("gallery_media_release")
public func galleryMediaRelease(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ reply: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.answer(ctx, query, reply, err) { (gallery: Gallery, event) in
        let object = try JSON.object(event.payload)
        return JSON.text(try gallery.release(Gallery.Reference(mediaID: object["media_id"] as? String, object)))
    }
}

/// `gallery.media.get` {media_id}: the medium with URLs, variants, alt text, tags and references.
@_cdecl("gallery_media_get")
public func galleryMediaGet(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ reply: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.answer(ctx, query, reply, err) { (gallery: Gallery, event) in
        let object = try JSON.object(event.payload)
        return JSON.text(try gallery.medium(object["media_id"] as? String ?? ""))
    }
}
