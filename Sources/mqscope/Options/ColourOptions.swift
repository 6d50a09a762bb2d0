import ArgumentParser
import Foundation
import Rendering

extension ColourChoice: ExpressibleByArgument {}

/// `--color auto|always|never` for the commands whose text output names severities.
struct ColourOptions: ParsableArguments {
    @Option(name: .customLong("color"),
            help: ArgumentHelp("Colour severities: auto (on a terminal, unless NO_COLOR is set or TERM=dumb), always, never.", valueName: "when"))
    var choice: ColourChoice = .auto

    /// Whether standard output gets colour.
    var enabled: Bool { choice.resolved(isTerminal: isatty(1) != 0, environment: ProcessInfo.processInfo.environment) }
}
