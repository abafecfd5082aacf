// The built-in ISO 4217 table. Append only; symbols are display choices, not ISO data.

extension Currency {
    /// US Dollar.
    public static let usd = Currency("USD", 840, 2, "$", .thousands, "US Dollar")
    /// Euro.
    public static let eur = Currency("EUR", 978, 2, "€", .thousands, "Euro")
    /// Pound Sterling.
    public static let gbp = Currency("GBP", 826, 2, "£", .thousands, "Pound Sterling")
    /// Japanese Yen (no minor unit).
    public static let jpy = Currency("JPY", 392, 0, "¥", .thousands, "Yen")
    /// South Korean Won (no minor unit).
    public static let krw = Currency("KRW", 410, 0, "₩", .thousands, "Won")
    /// Bangladeshi Taka (lakh grouping).
    public static let bdt = Currency("BDT", 50, 2, "৳", .indian, "Taka")
    /// Indian Rupee (lakh grouping).
    public static let inr = Currency("INR", 356, 2, "₹", .indian, "Indian Rupee")
    /// Pakistan Rupee (lakh grouping).
    public static let pkr = Currency("PKR", 586, 2, "Rs", .indian, "Pakistan Rupee")
    /// Nepalese Rupee (lakh grouping).
    public static let npr = Currency("NPR", 524, 2, "रू", .indian, "Nepalese Rupee")
    /// Sri Lanka Rupee.
    public static let lkr = Currency("LKR", 144, 2, "LKR", .thousands, "Sri Lanka Rupee")
    /// UAE Dirham.
    public static let aed = Currency("AED", 784, 2, "AED", .thousands, "UAE Dirham")
    /// Saudi Riyal.
    public static let sar = Currency("SAR", 682, 2, "SAR", .thousands, "Saudi Riyal")
    /// Qatari Rial.
    public static let qar = Currency("QAR", 634, 2, "QAR", .thousands, "Qatari Rial")
    /// Kuwaiti Dinar (3 decimals).
    public static let kwd = Currency("KWD", 414, 3, "KD", .thousands, "Kuwaiti Dinar")
    /// Bahraini Dinar (3 decimals).
    public static let bhd = Currency("BHD", 48, 3, "BD", .thousands, "Bahraini Dinar")
    /// Rial Omani (3 decimals).
    public static let omr = Currency("OMR", 512, 3, "OMR", .thousands, "Rial Omani")
    /// Jordanian Dinar (3 decimals).
    public static let jod = Currency("JOD", 400, 3, "JD", .thousands, "Jordanian Dinar")
    /// Yuan Renminbi.
    public static let cny = Currency("CNY", 156, 2, "CN¥", .thousands, "Yuan Renminbi")
    /// Hong Kong Dollar.
    public static let hkd = Currency("HKD", 344, 2, "HK$", .thousands, "Hong Kong Dollar")
    /// Australian Dollar.
    public static let aud = Currency("AUD", 36, 2, "A$", .thousands, "Australian Dollar")
    /// New Zealand Dollar.
    public static let nzd = Currency("NZD", 554, 2, "NZ$", .thousands, "New Zealand Dollar")
    /// Canadian Dollar.
    public static let cad = Currency("CAD", 124, 2, "CA$", .thousands, "Canadian Dollar")
    /// Swiss Franc.
    public static let chf = Currency("CHF", 756, 2, "CHF", .thousands, "Swiss Franc")
    /// Singapore Dollar.
    public static let sgd = Currency("SGD", 702, 2, "S$", .thousands, "Singapore Dollar")
    /// Malaysian Ringgit.
    public static let myr = Currency("MYR", 458, 2, "RM", .thousands, "Malaysian Ringgit")
    /// Baht.
    public static let thb = Currency("THB", 764, 2, "฿", .thousands, "Baht")
    /// Rupiah.
    public static let idr = Currency("IDR", 360, 2, "Rp", .thousands, "Rupiah")
    /// Philippine Peso.
    public static let php = Currency("PHP", 608, 2, "₱", .thousands, "Philippine Peso")
    /// Dong (no minor unit).
    public static let vnd = Currency("VND", 704, 0, "₫", .thousands, "Dong")
    /// Swedish Krona.
    public static let sek = Currency("SEK", 752, 2, "SEK", .thousands, "Swedish Krona")
    /// Norwegian Krone.
    public static let nok = Currency("NOK", 578, 2, "NOK", .thousands, "Norwegian Krone")
    /// Danish Krone.
    public static let dkk = Currency("DKK", 208, 2, "DKK", .thousands, "Danish Krone")
    /// Rand.
    public static let zar = Currency("ZAR", 710, 2, "R", .thousands, "Rand")
    /// Brazilian Real.
    public static let brl = Currency("BRL", 986, 2, "R$", .thousands, "Brazilian Real")
    /// Mexican Peso.
    public static let mxn = Currency("MXN", 484, 2, "MX$", .thousands, "Mexican Peso")
    /// Turkish Lira.
    public static let turkishLira = Currency("TRY", 949, 2, "₺", .thousands, "Turkish Lira")
    /// Egyptian Pound.
    public static let egp = Currency("EGP", 818, 2, "E£", .thousands, "Egyptian Pound")

    /// Every currency in the built-in table, in declaration order.
    public static let all: [Currency] = [
        usd, eur, gbp, jpy, krw, bdt, inr, pkr, npr, lkr, aed, sar, qar, kwd, bhd, omr, jod,
        cny, hkd, aud, nzd, cad, chf, sgd, myr, thb, idr, php, vnd, sek, nok, dkk, zar, brl,
        mxn, turkishLira, egp,
    ]

    static let byCode: [String: Currency] = Dictionary(uniqueKeysWithValues: all.map { ($0.code, $0) })
}
