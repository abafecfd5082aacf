/// Kinds of adjustment contributors send through `cart.adjustments.collect`, in the order
/// Cart applies them. Tax and shipping are computed between loyalty and wallet.
enum AdjustmentKind: String, CaseIterable, Comparable {
    case coupon, loyalty, wallet, giftCard = "gift_card"

    static func < (a: AdjustmentKind, b: AdjustmentKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Coupons and loyalty lower the goods (and so the tax); wallet and gift cards pay the rest.
    var isDiscount: Bool { self == .coupon || self == .loyalty }
}

/// One adjustment a contributor asked for.
struct Adjustment {
    var kind: AdjustmentKind
    var code: String?
    var label: String
    /// Minor units off, > 0.
    var requested: Int64
    var lineID: String?
    /// The plugin that contributed it.
    var source: String
}

/// A line as totals see it.
struct PricedLine {
    var id: String
    var kind: LineKind
    var total: Int64
}

/// The cart's totals, with each adjustment as applied (after clamping).
struct Totals {
    var subtotal: Int64
    var applied: [(adjustment: Adjustment, amount: Int64)]
    /// Coupons and loyalty, as applied.
    var discount: Int64
    var tax: Int64
    var shipping: Int64
    /// Wallet and gift cards, as applied.
    var credits: Int64
    var total: Int64
    /// Each line's amount after coupons and loyalty.
    var lineNet: [String: Int64]

    /// What applies, per `cart.adjustments.collect`:
    /// 1. coupons, then loyalty: one with a line id comes off that line (a discountable
    ///    one); one without is spread over the discountable lines in proportion to what is
    ///    left of each (largest remainders take the odd units). Each is clamped to what is
    ///    left, so no line goes below zero.
    /// 2. tax: `taxRateBP` basis points of the taxed lines after step 1, rounded half up.
    /// 3. shipping: `shippingFee` when a line ships, unless the discountable goods after
    ///    step 1 reach `freeShippingFrom` (> 0).
    /// 4. wallet, then gift cards: each clamped to what is still due, so the total stays ≥ 0.
    /// Within a kind, adjustments keep the order contributors answered in.
    static func compute(lines: [PricedLine], adjustments: [Adjustment], taxRateBP: Int64?, shippingFee: Int64, freeShippingFrom: Int64) -> Totals {
        var net = Dictionary(lines.map { ($0.id, $0.total) }, uniquingKeysWith: { a, _ in a })
        let subtotal = lines.reduce(0) { $0 + $1.total }
        let ordered = adjustments.enumerated().sorted { a, b in
            a.element.kind == b.element.kind ? a.offset < b.offset : a.element.kind < b.element.kind
        }.map(\.element)
        var applied: [(adjustment: Adjustment, amount: Int64)] = []
        var discount: Int64 = 0
        let discountable = lines.filter { $0.kind.isDiscountable }.map(\.id)

        for adjustment in ordered where adjustment.kind.isDiscount {
            var amount: Int64 = 0
            if let lineID = adjustment.lineID {
                if discountable.contains(lineID), let left = net[lineID] {
                    amount = min(adjustment.requested, left)
                    net[lineID] = left - amount
                }
            } else {
                let pool = discountable.reduce(0) { $0 + (net[$1] ?? 0) }
                amount = min(adjustment.requested, pool)
                for (lineID, share) in spread(amount, over: discountable.map { ($0, net[$0] ?? 0) }) { net[lineID, default: 0] -= share }
            }
            discount += amount
            applied.append((adjustment, amount))
        }

        let taxBase = lines.filter { $0.kind.isTaxed }.reduce(0) { $0 + (net[$1.id] ?? 0) }
        let tax = taxRateBP.map { rate -> Int64 in
            let (high, low) = taxBase.multipliedFullWidth(by: rate)
            let (q, r) = Int64(10_000).dividingFullWidth((high, low))
            return r * 2 >= 10_000 ? q + 1 : q
        } ?? 0
        let goods = discountable.reduce(0) { $0 + (net[$1] ?? 0) }
        let ships = lines.contains { $0.kind.ships }
        let shipping = ships && !(freeShippingFrom > 0 && goods >= freeShippingFrom) ? shippingFee : 0

        var due = lines.reduce(0) { $0 + (net[$1.id] ?? 0) } + tax + shipping
        var credits: Int64 = 0
        for adjustment in ordered where !adjustment.kind.isDiscount {
            let amount = min(adjustment.requested, due)
            due -= amount
            credits += amount
            applied.append((adjustment, amount))
        }
        return Totals(subtotal: subtotal, applied: applied, discount: discount, tax: tax, shipping: shipping, credits: credits, total: due, lineNet: net)
    }

    /// Splits `amount` (≤ the sum of the weights) over the weights in proportion, each
    /// share ≤ its weight; the units left by rounding down go to the largest remainders
    /// (ties: the earlier line). 128-bit intermediate products: no overflow.
    static func spread(_ amount: Int64, over weights: [(String, Int64)]) -> [(String, Int64)] {
        let pool = weights.reduce(0) { $0 + $1.1 }
        guard amount > 0, pool > 0 else { return weights.map { ($0.0, 0) } }
        var shares: [(id: String, share: Int64, remainder: Int64, index: Int)] = []
        for (index, (id, weight)) in weights.enumerated() {
            let (high, low) = amount.multipliedFullWidth(by: weight)
            let (q, r) = pool.dividingFullWidth((high, low))
            shares.append((id, q, r, index))
        }
        var left = amount - shares.reduce(0) { $0 + $1.share }
        for i in shares.indices.sorted(by: { shares[$0].remainder != shares[$1].remainder ? shares[$0].remainder > shares[$1].remainder : $0 < $1 }) where left > 0 {
            if shares[i].share < weights[i].1 {
                shares[i].share += 1
                left -= 1
            }
        }
        return shares.map { ($0.id, $0.share) }
    }
}
