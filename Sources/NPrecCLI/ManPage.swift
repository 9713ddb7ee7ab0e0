import Precomputed

/// Manual pages (man(7) macros) generated from the registry, as the help is: `nprec.1` for the
/// tool and `nprec-COMMAND.1` for every command and subcommand (`nprec-mesh-convert.1`).
/// `nprec help --man DIR` writes them; `make install` installs them.
enum ManPage {
    /// One page: its file name and its text.
    struct Page: Equatable {
        var name: String
        var text: String
    }

    /// Every page: the tool's, then each command's and subcommand's in help order.
    static func all() -> [Page] {
        [overview()] + Registry.commands.flatMap { pages($0, path: [$0.name]) }
    }

    /// The pages of `command` at `path` and of its subcommands.
    static func pages(_ command: Command, path: [String]) -> [Page] {
        [page(command, path: path)] + command.subcommands.flatMap { pages($0, path: path + [$0.name]) }
    }

    /// `nprec-mesh-convert` for `["mesh", "convert"]`.
    static func pageName(_ path: [String]) -> String { (["nprec"] + path).joined(separator: "-") }

    static func page(_ command: Command, path: [String]) -> Page {
        let name = pageName(path)
        var roff = header(name)
        roff += ".SH NAME\n" + escape("\(name) - \(sentence(command.summary))") + "\n"
        roff += ".SH SYNOPSIS\n" + synopsis(String(Help.usageLine(command, path: path).dropFirst("usage: ".count)))
        for alternate in command.alternateUsages { roff += ".br\n" + synopsis("nprec " + alternate) }
        roff += ".SH DESCRIPTION\n" + paragraphs(command.summary)
        if !command.discussion.isEmpty { roff += ".PP\n" + paragraphs(command.discussion) }
        if !command.subcommands.isEmpty {
            roff += ".SH COMMANDS\n"
            for sub in command.subcommands {
                roff += ".TP\n.B \(escape(sub.name))\n" + escape(sub.summary) + "\n"
                roff += "See \\fB\(escape(pageName(path + [sub.name])))\\fR(1).\n"
            }
        }
        if !command.positionals.isEmpty {
            roff += ".SH ARGUMENTS\n"
            for positional in command.positionals {
                roff += ".TP\n.I \(escape(positional.name + (positional.repeats ? "..." : "")))\n"
                roff += escape(positional.help) + (positional.optional ? " Optional." : "") + "\n"
            }
        }
        roff += ".SH OPTIONS\n"
        for option in command.allOptions { roff += optionItem(option) }
        if !command.examples.isEmpty {
            roff += ".SH EXAMPLES\n.nf\n.RS 4\n"
            for example in command.examples { roff += escape(example) + "\n" }
            roff += ".RE\n.fi\n"
        }
        roff += exitStatus
        roff += seeAlso(["nprec"] + (path.count > 1 ? [pageName(Array(path.dropLast()))] : []))
        return Page(name: name + ".1", text: roff)
    }

    /// `nprec.1`: what nprec does, its commands, the global options, exit codes.
    static func overview() -> Page {
        var roff = header("nprec")
        roff += ".SH NAME\n"
        roff += escape("nprec - convert brain images into Neuroglancer's precomputed format") + "\n"
        roff += ".SH SYNOPSIS\n" + synopsis("nprec COMMAND [OPTIONS] [ARGS]")
        roff += ".br\n" + synopsis("nprec help [COMMAND...]") + ".br\n" + synopsis("nprec --version")
        roff += ".SH DESCRIPTION\n"
        roff += paragraphs(
            """
            nprec converts brain images (volumes, slice stacks, surface meshes) into Neuroglancer's \
            precomputed format, with its multi-resolution pyramid, and reports on, checks, re-encodes and \
            serves precomputed datasets. Options may come before, between or after the arguments; \
            --opt=value and --opt value both work; -- ends the options. Results go to standard output; \
            progress, warnings and errors to standard error.
            """)
        roff += ".PP\nA typical run:\n.nf\n.RS 4\n"
        for line in [
            "nprec pyramid brain.nii.gz out/       # everything in one step",
            "nprec info brain.nii.gz out/          # or step by step: metadata,",
            "nprec scales out/info_fullres.json out/   # the scales,",
            "nprec convert brain.nii.gz out/       # full-resolution chunks,",
            "nprec downscale out/                  # lower resolutions.",
        ] {
            roff += escape(line) + "\n"
        }
        roff += ".RE\n.fi\n.SH COMMANDS\n"
        for command in Registry.commands {
            roff += ".TP\n.B \(escape(command.name))\n" + escape(command.summary) + "\n"
            roff += "See \\fB\(escape(pageName([command.name])))\\fR(1).\n"
        }
        roff += ".SH OPTIONS\n"
        roff += ".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nShow the list of commands.\n"
        roff += ".TP\n\\fB\\-V\\fR, \\fB\\-\\-version\\fR\nShow the version and the git commit nprec was built from.\n"
        roff += exitStatus
        roff += seeAlso(Registry.commands.map { pageName([$0.name]) })
        return Page(name: "nprec.1", text: roff)
    }

    /// The title line; no hyphenation (option names break badly), ragged right.
    static func header(_ name: String) -> String {
        ".TH \(escape(name.uppercased())) 1 \"\" \"nprec \(escape(Registry.version))\" \"nprec manual\"\n.nh\n.ad l\n"
    }

    static let exitStatus = """
        .SH EXIT STATUS
        .TP
        .B 0
        Success.
        .TP
        .B 1
        Failure: bad input, I/O error, inconsistent info; the message names the file and the problem.
        .TP
        .B 2
        Usage error: the message names the option and suggests the closest valid name.
        .TP
        .B 4
        \\fBnprec info\\fR wrote its files but the data type needs a review.
        .TP
        .B 130\\fR, \\fB143
        Stopped by SIGINT or SIGTERM; temporary files are removed.

        """

    static func seeAlso(_ pages: [String]) -> String {
        ".SH SEE ALSO\n" + pages.map { "\\fB\(escape($0))\\fR(1)" }.joined(separator: ",\n") + "\n"
    }

    /// `nprec mesh convert [OPTIONS] MESH DEST`: the words of the command bold, the rest italic
    /// (brackets roman), options bold.
    static func synopsis(_ usage: String) -> String {
        let words = usage.split(separator: " ").map(String.init)
        let literal = words.prefix { $0.allSatisfy { $0.isLowercase || $0 == "-" } && !$0.hasPrefix("-") }
        var roff = ".B \(escape(literal.joined(separator: " ")))\n"
        let rest = words.dropFirst(literal.count)
        if !rest.isEmpty {
            roff +=
                rest.map { word in
                    if word.hasPrefix("-") { return "\\fB\(escape(word))\\fR" }
                    let core = word.trimming("[]")
                    return escape(word).replacingOccurrences(of: escape(core), with: "\\fI\(escape(core))\\fR")
                }
                .joined(separator: " ") + "\n"
        }
        return roff
    }

    /// `-j, --jobs N`, then the help, the default and the accepted words.
    static func optionItem(_ option: OptionSpec) -> String {
        var names = option.short.map { ["-\($0)"] } ?? []
        names.append("--" + option.long)
        names += option.aliases.map { "--" + $0 }
        var label = names.map { "\\fB\(escape($0))\\fR" }.joined(separator: ", ")
        if let value = option.value { label += " \\fI\(escape(value.name))\\fR" }
        var help = option.help
        if let defaultText = option.defaultText { help += " Default: \(defaultText)." }
        if case .choice(let words)? = option.value?.type { help += " One of: \(words.joined(separator: ", "))." }
        return ".TP\n\(label)\n\(escape(help))\n"
    }

    /// Paragraphs of filled text; lines of the help indented by two spaces (examples) stay as
    /// they are.
    static func paragraphs(_ text: String) -> String {
        var roff = ""
        var preformatted = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  ") {
                if !preformatted { roff += ".nf\n.RS 4\n" }
                preformatted = true
                roff += escape(line.drop { $0 == " " }) + "\n"
                continue
            }
            if preformatted { roff += ".RE\n.fi\n" }
            preformatted = false
            let words = line.split(separator: " ").joined(separator: " ")
            roff += words.isEmpty ? ".PP\n" : escape(words) + "\n"
        }
        if preformatted { roff += ".RE\n.fi\n" }
        return roff
    }

    /// `Show help.` as `show help` for the NAME line: no final period.
    static func sentence(_ summary: String) -> String {
        var text = summary
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// Text for a roff line: backslashes, hyphens (as minus signs, which man pages use for
    /// options and which copy as ASCII), a leading control character, non-ASCII characters.
    static func escape<S: StringProtocol>(_ text: S) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\e"
            case "-": out += "\\-"
            case _ where scalar.value > 0x7e || scalar.value < 0x20:
                out += "\\[u" + String(scalar.value, radix: 16, uppercase: true).leftPadded(4) + "]"
            default: out.unicodeScalars.append(scalar)
            }
        }
        if out.hasPrefix(".") || out.hasPrefix("'") { out = "\\&" + out }
        return out
    }

    /// Writes every page (or those of `paths` and their subcommands) into `directory`, each
    /// under a temporary name and renamed; returns the paths written.
    static func write(to directory: String, paths: [[String]]) throws -> [String] {
        var selected: [Page] = []
        if paths.isEmpty {
            selected = all()
        } else {
            for path in paths {
                guard let command = Registry.command(at: path) else {
                    let known = Registry.command(at: Array(path.dropLast()))
                    let names = (known?.subcommands ?? Registry.commands).map(\.name)
                    throw CLI.unknownCommand(
                        path.last ?? "", among: names, prefix: path.dropLast().map { $0 + " " }.joined())
                }
                selected += pages(command, path: path)
            }
        }
        try FileIO.makeDirectories(directory)
        var written: [String] = []
        for page in selected {
            let file = (directory.hasSuffix("/") ? directory : directory + "/") + page.name
            try FileIO.writeAtomically(Array(page.text.utf8), to: file)
            written.append(file)
        }
        return written
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

extension StringProtocol {
    fileprivate func trimming(_ set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
