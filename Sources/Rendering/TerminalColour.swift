public import WireCore

/// Colour in text output (`--color auto|always|never`, as `ls` and `grep` take it). `auto` colours
/// only a terminal, and not when `NO_COLOR` is set to anything non-empty (https://no-color.org) or
/// `TERM` is `dumb`. Only the severity of a finding is coloured: the text stays what it is without
/// colour, so a pasted line reads the same.
public enum ColourChoice: String, CaseIterable, Sendable {
    case auto, always, never

    public func resolved(isTerminal: Bool, environment: [String: String]) -> Bool {
        switch self {
        case .always: true
        case .never: false
        case .auto:
            isTerminal && (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
        }
    }
}

public enum Paint {
    /// `text` in the severity's colour (error red and bold, warning yellow, info cyan) when `on`.
    public static func severity(_ s: Severity, _ text: String, on: Bool) -> String {
        guard on else { return text }
        let code = switch s {
        case .error: "1;31"
        case .warning: "33"
        case .info: "36"
        }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }
}
