import ArgumentParser

/// `eop-license`: the vendor's license tool. Keys, licenses and revocation lists
/// are made here; hosts only verify them.
@main
struct EOPLicenseTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eop-license",
        abstract: "Vendor tool: make keys, issue, inspect and revoke EOP licenses.",
        subcommands: [KeygenCommand.self, IssueCommand.self, InspectCommand.self, RevokeCommand.self, CertifyPublisherCommand.self]
    )
}
