/// What a cart line is. It decides how the line is priced and how totals treat it.
///
/// | kind | priced by | discountable | taxed | ships |
/// |---|---|---|---|---|
/// | variant | catalog.price.quote | yes | yes | yes |
/// | bundle | catalog.price.quote (the bundle product's variant) | yes | yes | yes |
/// | digital | catalog.price.quote | yes | yes | no |
/// | gift_card | its face value | no | no (stored value) | no |
/// | fee | staff or a module (`amount`) | no | yes | no |
enum LineKind: String, CaseIterable {
    case variant, bundle, giftCard = "gift_card", digital, fee

    /// Priced through Catalog, one line per variant.
    var isCatalogItem: Bool { self == .variant || self == .bundle || self == .digital }
    /// Cart-wide coupons and loyalty spread over these lines.
    var isDiscountable: Bool { isCatalogItem }
    var isTaxed: Bool { self != .giftCard }
    /// Needs a shipping address and pays shipping.
    var ships: Bool { self == .variant || self == .bundle }

    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
