import Foundation

/// The four console pages; each builds its view values and renders its template.
extension ConsoleRenderer {
    /// The sign-in page (`GET /admin/login`), posting to `POST /admin/login`.
    ///
    /// - Parameters:
    ///   - error: why the last attempt failed, shown above the form.
    ///   - email: the address to prefill after a failed attempt.
    ///   - csrfToken: posted back as `csrf_token`.
    ///   - retryAfter: seconds until login throttling lets this client try again.
    public func login(error: String?, email: String?, csrfToken: String, retryAfter: Int?) throws -> String {
        let retryText = retryAfter.map { seconds in
            "Too many sign-in attempts. Try again in \(Self.duration(seconds))."
        }
        let page = LoginView(loginError: Self.nonEmpty(error), email: email ?? "", retryAfter: retryAfter, retryText: retryText)
        return try render(
            PageModel(title: "Sign in · EOP", chrome: nil, csrfToken: csrfToken, flash: nil, page: page),
            template: "login"
        )
    }

    /// The dashboard (`GET /admin`): license, summary counters and every module with its state.
    public func dashboard(
        user: ConsoleUser, license: LicenseSummary, plugins: [PluginRow], deadLetterCount: Int, csrfToken: String, flash: String?,
        swaps: [SwapRow] = []
    ) throws -> String {
        let count = { (state: String) in plugins.filter { $0.state == state }.count }
        let (active, refused, failed) = (count("active"), count("refused"), count("failed"))
        let counters = [
            Counter(label: "Active", count: active, detail: "of \(plugins.count) modules", tone: "ok", link: nil),
            Counter(
                label: "Refused", count: refused, detail: refused > 0 ? "license, manifest or dependency" : "none refused",
                tone: refused > 0 ? "warn" : "quiet", link: nil),
            Counter(
                label: "Failed", count: failed, detail: failed > 0 ? "need attention" : "none failed",
                tone: failed > 0 ? "bad" : "quiet", link: nil),
            Counter(
                label: "Dead letters", count: deadLetterCount, detail: "view and replay →",
                tone: deadLetterCount > 0 ? "bad" : "quiet", link: "/admin/dead-letters"),
        ]
        let modules = plugins.map(Self.pluginView)
        let page = DashboardView(counters: counters, modules: modules, hasModules: !modules.isEmpty, swaps: swaps, hasSwaps: !swaps.isEmpty)
        return try render(
            PageModel(
                title: "Modules · EOP", chrome: Self.chrome(user, license, current: "/admin"), csrfToken: csrfToken,
                flash: Self.nonEmpty(flash), page: page),
            template: "dashboard"
        )
    }

    /// The dead letters (`GET /admin/dead-letters`), each with a replay button.
    public func deadLetters(
        user: ConsoleUser, license: LicenseSummary, rows: [DeadLetterRow], csrfToken: String, flash: String?
    ) throws -> String {
        let letters = rows.map { row in
            DeadLetterView(
                id: row.id, subscriber: row.subscriber, topic: row.topic, failure: row.reason, attempts: row.attempts,
                when: row.when, replayed: row.replayed,
                replayPath: "/admin/dead-letters/\(PathSegment.encode(row.id))/replay")
        }
        let page = DeadLettersView(
            letters: letters, hasLetters: !letters.isEmpty, total: letters.count,
            waiting: letters.filter { !$0.replayed }.count)
        return try render(
            PageModel(
                title: "Dead letters · EOP", chrome: Self.chrome(user, license, current: "/admin/dead-letters"),
                csrfToken: csrfToken, flash: Self.nonEmpty(flash), page: page),
            template: "dead-letters"
        )
    }

    /// The notifications that failed (`GET /admin/notifications`), newest first.
    public func notificationFailures(
        user: ConsoleUser, license: LicenseSummary, rows: [NotificationFailureRow], csrfToken: String, flash: String?
    ) throws -> String {
        try render(
            PageModel(
                title: "Failed notifications · EOP", chrome: Self.chrome(user, license, current: "/admin/notifications"),
                csrfToken: csrfToken, flash: Self.nonEmpty(flash), page: NotificationFailuresView(rows: rows, hasRows: !rows.isEmpty, total: rows.count)),
            template: "notifications"
        )
    }

    /// The settings (`GET /admin/settings`): one form per module.
    ///
    /// Form contract for `POST /admin/settings/{plugin}`: one field per setting,
    /// named by its key. A boolean posts a hidden `false` then, when ticked, a
    /// `true` under the same name: the last value wins. A secret's input is
    /// always empty: an empty secret means "keep the current one".
    public func settings(
        user: ConsoleUser, license: LicenseSummary, forms: [ModuleSettingsForm], csrfToken: String, flash: String?
    ) throws -> String {
        let views = forms.enumerated().map { index, form in
            SettingsFormView(
                pluginID: form.pluginID, action: "/admin/settings/\(PathSegment.encode(form.pluginID))",
                formError: Self.nonEmpty(form.error), formIndex: index,
                fields: form.fields.enumerated().map { Self.fieldView($1, id: "s\(index)-f\($0)") },
                hasFields: !form.fields.isEmpty)
        }
        let page = SettingsView(forms: views, hasForms: !views.isEmpty)
        return try render(
            PageModel(
                title: "Settings · EOP", chrome: Self.chrome(user, license, current: "/admin/settings"),
                csrfToken: csrfToken, flash: Self.nonEmpty(flash), page: page),
            template: "settings"
        )
    }
}

extension ConsoleRenderer {
    /// The badge class for each known state; unknown states get the neutral badge.
    static let stateClasses: [String: String] = [
        "active": "state-active", "resolved": "state-neutral", "installed": "state-neutral",
        "refused": "state-refused", "failed": "state-failed", "not installed": "state-absent",
        "stopping": "state-busy",
    ]

    static func pluginView(_ row: PluginRow) -> PluginView {
        let stateClass = stateClasses[row.state] ?? "state-neutral"
        let rowClass =
            switch row.state {
            case "refused": "row-refused"
            case "failed": "row-failed"
            case "not installed": "row-absent"
            default: ""
            }
        let segment = PathSegment.encode(row.id)
        return PluginView(
            id: row.id, name: row.name.isEmpty ? row.id : row.name, version: row.version, state: row.state,
            stateClass: stateClass, rowClass: rowClass, reason: nonEmpty(row.reason), moduleWarnings: row.warnings,
            mailbox: row.mailboxDepth.map(String.init) ?? "—",
            mailboxClass: (row.mailboxDepth ?? 0) >= 100 ? "depth-high" : ((row.mailboxDepth ?? 0) > 0 ? "depth-some" : ""),
            canActivate: row.canActivate, canDeactivate: row.canDeactivate,
            hasNoActions: !row.canActivate && !row.canDeactivate,
            activatePath: "/admin/plugins/\(segment)/activate", deactivatePath: "/admin/plugins/\(segment)/deactivate")
    }

    static func fieldView(_ field: SettingField, id: String) -> FieldView {
        let isSecret = field.secret
        let isCheckbox = !isSecret && field.type == "boolean"
        let isSelect = !isSecret && !isCheckbox && field.allowed != nil
        var options: [OptionView] = []
        if isSelect, let allowed = field.allowed {
            if !allowed.contains(field.value) {
                options.append(OptionView(option: field.value, selected: true))
            }
            options += allowed.map { OptionView(option: $0, selected: $0 == field.value) }
        }
        var inputType = "text"
        var inputMode: String?
        var step: String?
        var pattern: String?
        switch field.type {
        case "integer": (inputType, step) = ("number", "1")
        case "number": (inputType, step) = ("number", "any")
        case "money": (inputMode, pattern) = ("decimal", "-?[0-9]+([.][0-9]+)?")
        case "currency": pattern = "[A-Za-z]{3}"
        default: break
        }
        return FieldView(
            key: field.key, inputID: id, typeName: isSecret ? "secret" : field.type, help: nonEmpty(field.description),
            helpID: id + "-help", isCheckbox: isCheckbox, isSelect: isSelect, isSecret: isSecret,
            isInput: !isSecret && !isCheckbox && !isSelect, checked: field.value.lowercased() == "true",
            options: options, inputType: inputType, inputMode: inputMode, step: step, pattern: pattern,
            current: isSecret ? "" : field.value, secretSet: isSecret && !field.value.isEmpty)
    }

    static func chrome(_ user: ConsoleUser, _ license: LicenseSummary, current: String) -> Chrome {
        let name = user.displayName.trimmingCharacters(in: .whitespaces).isEmpty ? user.email : user.displayName
        let initials = name.split(separator: " ").prefix(2).compactMap(\.first).map { String($0).uppercased() }.joined()
        let banner = nonEmpty(license.banner).map { text in
            text.lowercased().hasPrefix("unlicensed")
                ? BannerView(text: text, kind: "banner-unlicensed", heading: "License")
                : BannerView(text: text, kind: "banner-dev", heading: "License")
        }
        let days = license.daysLeft
        let daysLeftText =
            days < 0 ? "expired \(-days) day\(days == -1 ? "" : "s") ago"
            : days == 0 ? "expires today" : "\(days) day\(days == 1 ? "" : "s") left"
        let view = LicenseView(
            licensee: license.licensee, tier: license.tier, environment: license.environment, expires: license.expires,
            daysLeftText: daysLeftText, expiryClass: days < 0 ? "expiry-bad" : (days <= 30 ? "expiry-warn" : ""),
            licenseWarnings: license.warnings, hasLicenseWarnings: !license.warnings.isEmpty, entitled: license.entitled, refused: license.refused)
        let nav = [("Modules", "/admin"), ("Dead letters", "/admin/dead-letters"), ("Notifications", "/admin/notifications"), ("Settings", "/admin/settings")].map {
            NavItem(label: $0.0, href: $0.1, current: $0.1 == current)
        }
        return Chrome(
            user: UserView(name: name, email: user.email, initials: initials.isEmpty ? "?" : initials),
            license: view, banner: banner, nav: nav)
    }

    static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        return text
    }

    static func duration(_ seconds: Int) -> String {
        if seconds < 60 { return "\(max(seconds, 1)) second\(seconds == 1 ? "" : "s")" }
        let minutes = (seconds + 59) / 60
        return "\(minutes) minute\(minutes == 1 ? "" : "s")"
    }
}
