/// The staff member signed in to the operator console, as the gateway's
/// identity layer hands it over (never a password, never a token).
public struct ConsoleUser: Sendable, Equatable {
    /// The address the user signs in with.
    public var email: String
    /// The name shown in the top bar; the email is shown when this is empty.
    public var displayName: String

    /// Creates a user for the top bar.
    public init(email: String, displayName: String) {
        self.email = email
        self.displayName = displayName
    }
}
