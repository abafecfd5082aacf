import EOPStorage
import Foundation
import HummingbirdBcrypt

extension IdentityStore {
    /// Checks a staff login and returns the staff principal with its permissions.
    ///
    /// - Parameter client: the throttling key for the caller, e.g. its IP address.
    /// - Throws: ``AuthenticationFailure/invalidCredentials`` for an unknown email or a
    ///   wrong password (same error, and a bcrypt verification runs either way so
    ///   timing does not tell them apart); ``AuthenticationFailure/disabled`` when the
    ///   password is right but the user is disabled; ``AuthenticationFailure/throttled(retryAfter:)``
    ///   once the account has more than 5 failures, or the client more than 20,
    ///   within 15 minutes (defaults), even if the password is right.
    public func authenticateStaff(email: String, password: String, client: String) throws -> Principal {
        try authenticate(kind: .staff, email: email, password: password, client: client)
    }

    /// Checks a customer login; same contract as ``authenticateStaff(email:password:client:)``
    /// (customers are never disabled, so that failure does not occur).
    public func authenticateCustomer(email: String, password: String, client: String) throws -> Principal {
        try authenticate(kind: .customer, email: email, password: password, client: client)
    }

    // MARK: - Internals

    private struct Account {
        let id: UUID
        let hash: String
        let disabled: Bool
    }

    private func authenticate(kind: Principal.Kind, email rawEmail: String, password: String, client: String) throws -> Principal {
        let email = rawEmail.trimmingCharacters(in: .whitespacesAndNewlines)
        let accountKey = "\(kind.rawValue):\(email.lowercased())"
        let clientKey = client.isEmpty ? "unknown" : client
        let now = clock.now

        // 1. Refuse outright while throttled, before spending a bcrypt verification.
        let (throttled, account): (Int?, Account?) = try pool.withConnection { connection in
            if let wait = try retryAfter(connection, accountKey: accountKey, clientKey: clientKey, now: now) {
                return (wait, nil)
            }
            return (nil, try findAccount(connection, kind: kind, email: email))
        }
        if let throttled {
            logger.notice("login throttled", metadata: ["kind": "\(kind.rawValue)", "client": "\(clientKey)"])
            throw AuthenticationFailure.throttled(retryAfter: throttled)
        }

        // 2. Verify outside the connection: bcrypt is slow and needs no database.
        let verified = Bcrypt.verify(password, hash: account?.hash ?? dummyHash)
        guard let account, verified else {
            let wait: Int? = try pool.withConnection { connection in
                try record(connection, accountKey: accountKey, clientKey: clientKey, outcome: "failure", at: now)
                return try retryAfter(connection, accountKey: accountKey, clientKey: clientKey, now: now)
            }
            if let wait {
                logger.notice("login throttled", metadata: ["kind": "\(kind.rawValue)", "client": "\(clientKey)"])
                throw AuthenticationFailure.throttled(retryAfter: wait)
            }
            throw AuthenticationFailure.invalidCredentials
        }

        // 3. Right password.
        return try pool.withConnection { connection in
            if account.disabled {
                try record(connection, accountKey: accountKey, clientKey: clientKey, outcome: "disabled", at: now)
                throw AuthenticationFailure.disabled
            }
            try record(connection, accountKey: accountKey, clientKey: clientKey, outcome: "success", at: now)
            let principal: Principal? = kind == .staff
                ? try Self.loadStaffPrincipal(connection, account.id)
                : try Self.loadCustomerPrincipal(connection, account.id)
            // Deleted or disabled between the two reads: treat as a failed login.
            guard let principal else { throw AuthenticationFailure.invalidCredentials }
            return principal
        }
    }

    private func findAccount(_ connection: PostgresConnection, kind: Principal.Kind, email: String) throws -> Account? {
        let sql = kind == .staff
            ? "SELECT id, password_hash, disabled FROM eop_identity.staff_users WHERE lower(email) = lower($1)"
            : "SELECT id, password_hash, false AS disabled FROM eop_identity.customers WHERE lower(email) = lower($1)"
        let rows = try connection.execute(sql, [PostgresValue(email)])
        guard rows.rowCount == 1, let id = try rows.uuid(row: 0, "id"), let hash = try rows.string(row: 0, "password_hash") else {
            return nil
        }
        return Account(id: id, hash: hash, disabled: try rows.bool(row: 0, "disabled") ?? false)
    }

    private func record(_ connection: PostgresConnection, accountKey: String, clientKey: String, outcome: String, at now: Date) throws {
        _ = try connection.execute(
            """
            INSERT INTO eop_identity.login_attempts (account_key, client_key, outcome, attempted_at)
            VALUES ($1, $2, $3, $4)
            """,
            [PostgresValue(accountKey), PostgresValue(clientKey), PostgresValue(outcome), PostgresValue(now)])
    }

    /// Seconds until a login may be tried again, or `nil` if not throttled.
    ///
    /// Throttled when more than `limit` failures lie in the window (for the
    /// account, only failures since its last successful login count). The wait
    /// ends when the (limit+1)-th most recent failure leaves the window.
    /// Rationale: refused attempts are not recorded, so hammering a throttled
    /// account does not keep it locked forever.
    private func retryAfter(_ connection: PostgresConnection, accountKey: String, clientKey: String, now: Date) throws -> Int? {
        let throttle = configuration.throttle
        let since = now.addingTimeInterval(-throttle.window)
        let account = try connection.execute(
            """
            SELECT attempted_at FROM eop_identity.login_attempts
            WHERE account_key = $1 AND outcome = 'failure' AND attempted_at > $2
              AND attempted_at > coalesce((SELECT max(attempted_at) FROM eop_identity.login_attempts
                                           WHERE account_key = $1 AND outcome = 'success'), '-infinity')
            ORDER BY attempted_at DESC LIMIT $3
            """,
            [PostgresValue(accountKey), PostgresValue(since), PostgresValue(throttle.maxFailuresPerAccount + 1)])
        let client = try connection.execute(
            """
            SELECT attempted_at FROM eop_identity.login_attempts
            WHERE client_key = $1 AND outcome = 'failure' AND attempted_at > $2
            ORDER BY attempted_at DESC LIMIT $3
            """,
            [PostgresValue(clientKey), PostgresValue(since), PostgresValue(throttle.maxFailuresPerClient + 1)])
        var wait: Int?
        for (rows, limit) in [(account, throttle.maxFailuresPerAccount), (client, throttle.maxFailuresPerClient)]
        where rows.rowCount > limit {
            guard let pivot = try rows.date(row: limit, column: 0) else { continue }
            let seconds = max(1, Int((pivot.addingTimeInterval(throttle.window).timeIntervalSince(now)).rounded(.up)))
            wait = max(wait ?? 0, seconds)
        }
        return wait
    }
}
