/// The link-layer header types mqscope decodes (libpcap DLT_/LINKTYPE_ values).
public enum LinkType: Sendable, Equatable, CaseIterable {
    case ethernet        // DLT_EN10MB (1)
    case null            // DLT_NULL (0): BSD loopback, 4-byte family in host byte order
    case loop            // DLT_LOOP (108): OpenBSD loopback, family in network byte order
    case rawIP           // DLT_RAW (12 / LINKTYPE_RAW 101): IPv4 or IPv6 by version nibble
    case ipv4            // LINKTYPE_IPV4 (228)
    case ipv6            // LINKTYPE_IPV6 (229)
    case linuxSLL        // DLT_LINUX_SLL (113): tcpdump -i any, libpcap < 1.10
    case linuxSLL2       // DLT_LINUX_SLL2 (276): tcpdump -i any, libpcap ≥ 1.10

    /// nil for a link type mqscope does not decode.
    public init?(dlt: Int32) {
        switch dlt {
        case 1: self = .ethernet
        case 0: self = .null
        case 108: self = .loop
        case 12, 14, 101: self = .rawIP
        case 228: self = .ipv4
        case 229: self = .ipv6
        case 113: self = .linuxSLL
        case 276: self = .linuxSLL2
        default: return nil
        }
    }
}
