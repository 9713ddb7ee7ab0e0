/// Every nprec command, in help order.
public enum Registry {
    public static let version = "0.1.0"

    public static let commands: [Command] = [
        InfoCommand.command,
        ScalesCommand.command,
        ConvertCommand.command,
        DownscaleCommand.command,
        PyramidCommand.command,
        StatsCommand.command,
        VerifyCommand.command,
        LabelsCommand.command,
        ReencodeCommand.command,
        MeshCommand.command,
        PlanCommand.command,
        ServeCommand.command,
        CompletionCommand.command,
        HelpCommand.command,
        VersionCommand.command,
    ]

    public static func command(_ name: String) -> Command? { commands.first { $0.name == name } }

    /// The command at `path` (`["mesh", "link"]`).
    public static func command(at path: [String]) -> Command? {
        guard let first = path.first, var command = command(first) else { return nil }
        for name in path.dropFirst() {
            guard let sub = command.subcommand(name) else { return nil }
            command = sub
        }
        return command
    }
}
