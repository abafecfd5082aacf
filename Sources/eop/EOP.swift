import ArgumentParser

/// `eop` — run and operate an EOP host.
@main
struct EOP: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eop",
        abstract: "The EOP commerce platform host.",
        discussion: """
        Configuration comes from environment variables: EOP_HOME (working folder, default .eop),
        EOP_PLUGIN_PATH (manifest folders, default Manifests:SDK/examples), EOP_LIBRARY_PATH,
        EOP_EVENTS_DIR, EOP_SETTINGS_FILE, EOP_ENV (development or production).
        """,
        subcommands: [RunCommand.self, MigrateCommand.self, UsersCommand.self, PluginsCommand.self, CheckCommand.self, EventsCommand.self,
                      LicenseCommand.self, BundleCommand.self, TrustCommand.self, NewCommand.self]
    )
}
