/// Help text generated from the registry.
enum Help {
    static func usageLine(_ command: Command, path: [String]) -> String {
        var parts = ["nprec"] + path
        if !command.subcommands.isEmpty {
            parts.append("COMMAND")
        } else {
            if !command.options.isEmpty { parts.append("[OPTIONS]") }
            parts += command.positionals.map(\.usage)
        }
        return "usage: " + parts.joined(separator: " ")
    }

    static func commandHelp(_ command: Command, path: [String]) -> String {
        var text = usageLine(command, path: path) + "\n"
        for alternate in command.alternateUsages { text += "       nprec \(alternate)\n" }
        text += "\n\(command.summary)\n"
        if !command.discussion.isEmpty { text += "\n" + wrap(command.discussion, indent: 0) + "\n" }
        if !command.subcommands.isEmpty {
            text += "\nCommands:\n"
            let width = command.subcommands.map(\.name.count).max()! + 2
            for sub in command.subcommands { text += "  " + pad(sub.name, width) + sub.summary + "\n" }
        }
        if !command.positionals.isEmpty {
            text += "\nArguments:\n"
            let width = command.positionals.map { $0.name.count + ($0.repeats ? 3 : 0) }.max()! + 2
            for positional in command.positionals {
                text += "  " + pad(positional.name + (positional.repeats ? "..." : ""), width) + positional.help + "\n"
            }
        }
        text += "\nOptions:\n"
        let options = command.allOptions
        let labels = options.map(optionLabel)
        let width = min(labels.map(\.count).max()! + 2, 30)
        for (option, label) in zip(options, labels) {
            var help = option.help
            if let defaultText = option.defaultText { help += " Default: \(defaultText)." }
            if case .choice(let words)? = option.value?.type { help += " One of: \(words.joined(separator: ", "))." }
            if label.count + 2 > width {
                text += "  \(label)\n" + wrap(help, indent: width + 2) + "\n"
            } else {
                let wrapped = wrap(help, indent: width + 2)
                text += "  " + pad(label, width) + wrapped.dropFirst(width + 2) + "\n"
            }
        }
        if !command.examples.isEmpty {
            text += "\nExample\(command.examples.count > 1 ? "s" : ""):\n"
            for example in command.examples { text += "  \(example)\n" }
        }
        return text
    }

    static func optionLabel(_ option: OptionSpec) -> String {
        var names = option.short.map { ["-\($0)"] } ?? []
        names.append("--" + option.long)
        names += option.aliases.map { "--" + $0 }
        var label = names.joined(separator: ", ")
        if let value = option.value { label += " " + value.name }
        return label
    }

    static func overview() -> String {
        var text = "usage: nprec COMMAND [OPTIONS] [ARGS]\n\n"
        text += "Convert brain images (volumes, slice stacks, surface meshes) into Neuroglancer's\n"
        text += "precomputed format, with its multi-resolution pyramid.\n\nCommands:\n"
        let width = Registry.commands.map(\.name.count).max()! + 2
        for command in Registry.commands {
            text += "  " + pad(command.name, width) + command.summary + "\n"
        }
        text += "\nA typical run:\n"
        text += "  nprec pyramid brain.nii.gz out/       # everything in one step\n"
        text += "  nprec info brain.nii.gz out/          # or step by step: metadata,\n"
        text += "  nprec scales out/info_fullres.json out/   # the scales,\n"
        text += "  nprec convert brain.nii.gz out/       # full-resolution chunks,\n"
        text += "  nprec downscale out/                  # lower resolutions.\n"
        text += "\nSee 'nprec help COMMAND' or 'nprec COMMAND --help' for a command's options.\n"
        return text
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    /// Wraps `text` at 100 columns; every line is indented by `indent` spaces.
    static func wrap(_ text: String, indent: Int, width: Int = 100) -> String {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if paragraph.hasPrefix("  ") {  // preformatted (examples)
                lines.append(String(repeating: " ", count: indent) + paragraph)
                continue
            }
            var line = ""
            for word in paragraph.split(separator: " ") {
                if !line.isEmpty && indent + line.count + 1 + word.count > width {
                    lines.append(String(repeating: " ", count: indent) + line)
                    line = ""
                }
                line += (line.isEmpty ? "" : " ") + word
            }
            lines.append(String(repeating: " ", count: indent) + line)
        }
        return lines.joined(separator: "\n")
    }
}
