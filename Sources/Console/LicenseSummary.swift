/// What the console shows of the running license: the top bar's tier and
/// licensee, the banner, the warnings and the entitlement counts.
public struct LicenseSummary: Sendable, Equatable {
    /// Who the license is issued to.
    public var licensee: String
    /// The tier name, e.g. "Starter", "Growth", "Business", "Enterprise".
    public var tier: String
    /// The environment the license is for, e.g. "production" or "development".
    public var environment: String
    /// Expiry date, `YYYY-MM-DD`.
    public var expires: String
    /// Days until expiry; zero is today, negative means already expired.
    public var daysLeft: Int
    /// A banner the operator must not miss: "development license" (shown amber)
    /// or "unlicensed: …" (shown red); any other text is shown amber. Nil shows none.
    public var banner: String?
    /// License warnings (grace period, expiry near, clock set back, …), shown under the banner.
    public var warnings: [String]
    /// How many modules the license entitles.
    public var entitled: Int
    /// How many installed modules the license refuses.
    public var refused: Int

    /// Creates a license summary.
    public init(
        licensee: String, tier: String, environment: String, expires: String, daysLeft: Int,
        banner: String? = nil, warnings: [String] = [], entitled: Int, refused: Int
    ) {
        self.licensee = licensee
        self.tier = tier
        self.environment = environment
        self.expires = expires
        self.daysLeft = daysLeft
        self.banner = banner
        self.warnings = warnings
        self.entitled = entitled
        self.refused = refused
    }
}
