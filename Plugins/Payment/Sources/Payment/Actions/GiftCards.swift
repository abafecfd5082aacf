import EOPSDK
import Foundation

/// Gift cards: a code with a balance in one currency. Staff issue them; a customer pays
/// with one (method `gift_card`, `gift_card_code`), which debits the balance in the
/// payment's transaction under the card's row lock, so two orders can never spend the same
/// balance; a refund of such a payment credits the card. Every change is a ledger row.
/// Through the hook `cart.adjustments.collect` the cart shows each code of a card that has
/// a balance as a `gift_card` adjustment.
extension Payment {
    /// Letters and digits people read without confusing them (no 0/O, 1/I/L).
    static let codeAlphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")

    /// A code as typed (`abcd-efgh 2345`) in its stored form (`ABCDEFGH2345`).
    static func normalizeCode(_ code: String) -> String {
        code.uppercased().filter { $0 != "-" && !$0.isWhitespace }
    }

    /// `ABCDEFGH2345` as shown: groups of four joined by hyphens.
    static func displayCode(_ code: String) -> String {
        stride(from: 0, to: code.count, by: 4).map { i -> String in
            let start = code.index(code.startIndex, offsetBy: i)
            return String(code[start..<(code.index(start, offsetBy: 4, limitedBy: code.endIndex) ?? code.endIndex)])
        }.joined(separator: "-")
    }

    /// A new random code of 16 characters (about 79 bits).
    static func newCode() -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in codeAlphabet[Int(generator.next(upperBound: UInt32(codeAlphabet.count)))] })
    }

    /// Staff issue a card: `amount`, `currency`, optional `code`, `expires_at`, `note`.
    func issueGiftCard(_ input: JSONInput, staff: String) throws -> [String: Any] {
        let amount = try input.int("amount", min: 1, max: 99_999_999_999)
        let currency = try input.currency("currency")
        let note = try input.optionalString("note", max: 500) ?? ""
        var code = Self.newCode()
        if let given = try input.optionalString("code", max: 64) {
            code = Self.normalizeCode(given)
            guard (4...32).contains(code.count), code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw PaymentError.invalid("code", "must be 4 to 32 letters and digits (hyphens and spaces are ignored)")
            }
        }
        var expiresAt: String?
        if let text = try input.optionalString("expires_at", max: 40) {
            guard let date = ISO8601DateFormatter().date(from: text) else { throw PaymentError.invalid("expires_at", "must be an ISO 8601 time such as 2027-01-31T00:00:00Z") }
            guard date > Date() else { throw PaymentError.invalid("expires_at", "must be in the future") }
            expiresAt = text
        }
        let id = Payment.newID()
        try sql.transaction {
            do {
                try sql.execute("""
                    INSERT INTO gift_cards (id, code, currency, initial_amount, balance, expires_at, note, issued_by)
                    VALUES ($1::uuid, $2, $3, $4, $4, $5::timestamptz, $6, $7)
                    """, id, code, currency, amount, expiresAt, note, staff)
            } catch let e as SQLError where e.isUniqueViolation {
                throw PaymentError.conflict("code", "a gift card with this code already exists")
            }
            try sql.execute("INSERT INTO gift_card_ledger (gift_card_id, kind, amount, balance_after) VALUES ($1::uuid, 'issue', $2, $2)", id, amount)
        }
        return try giftCard(code: code)
    }

    /// A card with its ledger, by code as typed.
    func giftCard(code typed: String) throws -> [String: Any] {
        let code = Self.normalizeCode(typed)
        guard let r = try sql.execute("""
            SELECT id::text, code, currency, initial_amount, balance, status, note, issued_by,
                   to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS expires_at,
                   to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at
            FROM gift_cards WHERE code = $1
            """, code).first else { throw PaymentError.notFound("code", "gift card '\(typed)'") }
        let id = try r.requiredString("id")
        let ledger = try sql.execute("""
            SELECT kind, amount, balance_after, payment_id::text, refund_id::text,
                   to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
            FROM gift_card_ledger WHERE gift_card_id = $1::uuid ORDER BY id
            """, id).map { l -> [String: Any] in
            ["kind": try l.requiredString("kind"), "amount": try l.requiredInt64("amount"), "balance_after": try l.requiredInt64("balance_after"),
             "payment_id": try l.string("payment_id") ?? NSNull(), "refund_id": try l.string("refund_id") ?? NSNull(), "at": try l.requiredString("at")]
        }
        return ["id": id, "code": Self.displayCode(try r.requiredString("code")), "currency": try r.requiredString("currency"),
                "initial_amount": try r.requiredInt64("initial_amount"), "balance": try r.requiredInt64("balance"), "status": try r.requiredString("status"),
                "expires_at": try r.string("expires_at") ?? NSNull(), "note": try r.requiredString("note"), "issued_by": try r.requiredString("issued_by"),
                "created_at": try r.requiredString("created_at"), "ledger": ledger]
    }

    /// Pays a locked, new payment from a card: refuses (rolling the payment back) when the
    /// card is unknown, disabled, expired, in another currency or short of the amount.
    func redeemGiftCard(_ payment: inout PaymentRow, code typed: String) throws {
        let code = Self.normalizeCode(typed)
        guard let card = try sql.execute("""
            SELECT id::text, currency, balance, status, (expires_at IS NOT NULL AND expires_at <= now()) AS expired
            FROM gift_cards WHERE code = $1 FOR UPDATE
            """, code).first else { throw PaymentError.unprocessable("gift_card_code", "no gift card has this code") }
        let cardID = try card.requiredString("id"), balance = try card.requiredInt64("balance"), currency = try card.requiredString("currency")
        guard try card.requiredString("status") == "active" else { throw PaymentError.unprocessable("gift_card_code", "this gift card is disabled") }
        guard try card.bool("expired") != true else { throw PaymentError.unprocessable("gift_card_code", "this gift card has expired") }
        guard currency == payment.currency else {
            throw PaymentError.unprocessable("gift_card_code", "this gift card is in \(currency), the payment in \(payment.currency)")
        }
        guard balance >= payment.amount else {
            throw PaymentError.unprocessable("gift_card_code", "the gift card's balance \(balance) is less than the amount \(payment.amount) \(currency)")
        }
        let after = balance - payment.amount
        try sql.execute("UPDATE gift_cards SET balance = $2 WHERE id = $1::uuid", cardID, after)
        let entry = try sql.execute("""
            INSERT INTO gift_card_ledger (gift_card_id, kind, amount, balance_after, payment_id) VALUES ($1::uuid, 'redeem', $2, $3, $4::uuid) RETURNING id
            """, cardID, -payment.amount, after, payment.id)
        let ledgerID = try entry.first?.requiredInt64("id") ?? 0
        try sql.execute("UPDATE payments SET provider_ref = $2, gift_card_id = $3::uuid, updated_at = now() WHERE id = $1::uuid",
                        payment.id, "gift-card-ledger-\(ledgerID)", cardID)
        payment.providerRef = "gift-card-ledger-\(ledgerID)"
        try markCaptured(&payment, captureRef: "gift-card-ledger-\(ledgerID)")
    }

    /// A refund of a gift card payment goes back onto the card.
    func creditGiftCard(paymentID: String, refundID: String, amount: Int64) throws -> String {
        guard let card = try sql.execute("""
            SELECT g.id::text, g.balance FROM gift_cards g JOIN payments p ON p.gift_card_id = g.id WHERE p.id = $1::uuid FOR UPDATE OF g
            """, paymentID).first else { throw PaymentError.conflict("payment_id", "the gift card of this payment is gone") }
        let cardID = try card.requiredString("id")
        let after = try card.requiredInt64("balance") + amount
        try sql.execute("UPDATE gift_cards SET balance = $2 WHERE id = $1::uuid", cardID, after)
        let entry = try sql.execute("""
            INSERT INTO gift_card_ledger (gift_card_id, kind, amount, balance_after, payment_id, refund_id)
            VALUES ($1::uuid, 'refund', $2, $3, $4::uuid, $5::uuid) RETURNING id
            """, cardID, amount, after, paymentID, refundID)
        return "gift-card-ledger-\(try entry.first?.requiredInt64("id") ?? 0)"
    }

    /// The hook `cart.adjustments.collect`: the payload's codes that are active gift cards
    /// with a balance in the cart's currency, each as a `gift_card` adjustment of its whole
    /// balance (Cart clamps it to what is left to pay and shows the clamped amount).
    func giftCardAdjustments(_ input: JSONInput) throws -> [String: Any] {
        let currency = try input.currency("currency")
        let typed = try input.optionalStrings("codes") ?? []
        var byCode: [String: String] = [:]
        for code in typed { byCode[Self.normalizeCode(code)] = byCode[Self.normalizeCode(code)] ?? code }
        guard !byCode.isEmpty else { return ["adjustments": []] }
        let rows = try sql.execute("""
            SELECT code, balance FROM gift_cards
            WHERE code = ANY(string_to_array($1, ',')) AND status = 'active' AND balance > 0 AND currency = $2
              AND (expires_at IS NULL OR expires_at > now())
            """, byCode.keys.sorted().joined(separator: ","), currency)
        var found: [String: Int64] = [:]
        for r in rows { found[try r.requiredString("code")] = try r.requiredInt64("balance") }
        // In the order the customer entered them.
        var adjustments: [[String: Any]] = []
        var seen = Set<String>()
        for code in typed {
            let normalized = Self.normalizeCode(code)
            guard let balance = found[normalized], seen.insert(normalized).inserted else { continue }
            adjustments.append(["kind": "gift_card", "code": code, "label": "Gift card ••••\(normalized.suffix(4))", "amount": balance])
        }
        return ["adjustments": adjustments]
    }
}
