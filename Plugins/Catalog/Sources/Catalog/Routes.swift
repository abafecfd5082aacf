import EOPSDK
import Foundation

/// The HTTP side: each route of Manifests/catalog.json reads its request, calls an action
/// and answers JSON. A `CatalogError` is answered as problem+json naming the field; any
/// other error (a failed SQL statement) becomes the host's 500 with the message in its log.
extension Catalog {
    func answer(_ value: Any, status: UInt16 = 200) -> HTTPAnswer {
        HTTPAnswer(status: status, headers: [("content-type", "application/json")], body: Array(JSON.data(value)))
    }

    func searchRoute(_ r: HTTPRequest, publicOnly: Bool) throws -> HTTPAnswer { answer(try search(r.query, publicOnly: publicOnly)) }

    func createProductRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let id = try createProduct(try JSON.object(r.body))
        return answer(try productJSON(id), status: 201)
    }

    func getProductRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        answer(try productJSON(try pathID(r.pathParameters["id"], "product")))
    }

    func updateProductRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let id = try pathID(r.pathParameters["id"], "product")
        try updateProduct(id, try JSON.object(r.body))
        return answer(try productJSON(id))
    }

    func archiveProductRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let id = try pathID(r.pathParameters["id"], "product")
        try archiveProduct(id)
        return answer(try productJSON(id))
    }

    func addVariantRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let id = try pathID(r.pathParameters["id"], "product")
        try addVariant(productID: id, try JSON.object(r.body))
        return answer(try productJSON(id), status: 201)
    }

    func setBundleRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let id = try pathID(r.pathParameters["id"], "product")
        try setBundle(productID: id, try JSON.object(r.body))
        return answer(try productJSON(id))
    }

    func setMediaRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let id = try pathID(r.pathParameters["id"], "product")
        try setMedia(productID: id, try JSON.object(r.body))
        return answer(try productJSON(id))
    }

    func updateVariantRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        answer(try productJSON(try updateVariant(try pathID(r.pathParameters["id"], "variant"), try JSON.object(r.body))))
    }

    func deleteVariantRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        answer(try productJSON(try deleteVariant(try pathID(r.pathParameters["id"], "variant"))))
    }

    func setTiersRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let id = try pathID(r.pathParameters["id"], "variant")
        try setTiers(variantID: id, try JSON.object(r.body))
        return answer(["variant_id": id, "ok": true])
    }

    func createFlashSaleRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        answer(try createFlashSale(variantID: try pathID(r.pathParameters["id"], "variant"), try JSON.object(r.body)), status: 201)
    }

    func deleteFlashSaleRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        try deleteFlashSale(try pathID(r.pathParameters["id"], "flash sale"))
        return HTTPAnswer(status: 204)
    }

    func quoteRoute(_ r: HTTPRequest) throws -> HTTPAnswer { answer(try quote(try JSON.object(r.body))) }

    func categoriesRoute(_ r: HTTPRequest) throws -> HTTPAnswer { answer(try categoryTree()) }
    func createCategoryRoute(_ r: HTTPRequest) throws -> HTTPAnswer { answer(try createCategory(try JSON.object(r.body)), status: 201) }
    func updateCategoryRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        try updateCategory(try pathID(r.pathParameters["id"], "category"), try JSON.object(r.body))
        return answer(try categoryTree())
    }
    func deleteCategoryRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        try deleteCategory(try pathID(r.pathParameters["id"], "category"))
        return HTTPAnswer(status: 204)
    }

    func brandsRoute(_ r: HTTPRequest) throws -> HTTPAnswer { answer(try brands()) }
    func createBrandRoute(_ r: HTTPRequest) throws -> HTTPAnswer { answer(try createBrand(try JSON.object(r.body)), status: 201) }
    func updateBrandRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        answer(try updateBrand(try pathID(r.pathParameters["id"], "brand"), try JSON.object(r.body)))
    }
    func deleteBrandRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        try deleteBrand(try pathID(r.pathParameters["id"], "brand"))
        return HTTPAnswer(status: 204)
    }

    /// The report answers 200 even when rows were refused: the good rows are in.
    func importRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let type = r.headers.first { $0.0 == "content-type" }?.1.lowercased() ?? ""
        guard type.hasPrefix("text/csv") || type.hasPrefix("text/plain") else {
            throw CatalogError(415, field: "(content-type)", "send the CSV as text/csv")
        }
        return answer(try importCSV(r.body))
    }

    func exportRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        HTTPAnswer(headers: [("content-type", "text/csv; charset=utf-8"), ("content-disposition", "attachment; filename=\"products.csv\"")],
                   body: Array(try exportCSV().utf8))
    }
}
