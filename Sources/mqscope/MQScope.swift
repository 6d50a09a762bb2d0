import ArgumentParser

@main
struct MQScope: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "mqscope",
        abstract: "Dissect, sniff and check MQTT (3.1, 3.1.1, 5.0) and STOMP traffic in packet captures.",
        discussion: """
            mqscope reads pcap and pcapng captures, reassembles every TCP connection (reordered, \
            retransmitted and missing segments included), finds MQTT and STOMP by port and by content, \
            and reports what it saw. Lost bytes are reported as gaps, never guessed.

            Start with `mqscope streams FILE` to see the connections in a capture.
            """,
        version: version,
        subcommands: [Streams.self, Read.self, Decode.self, Check.self, Stats.self, Report.self, Live.self, Rules.self, Fields.self])

    /// As ArgumentParser's, except that unusable arguments exit with status 2 (not 64), the
    /// status every command documents for unusable input or arguments.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                Diagnostics.write(fullMessage(for: error) + "\n")
                exit(withError: ExitCode(ExitStatus.unusableInput))
            }
            exit(withError: error)
        }
    }
}

/// Exit statuses shared by every command.
enum ExitStatus {
    static let ok: Int32 = 0
    static let findings: Int32 = 1
    static let unusableInput: Int32 = 2
}
