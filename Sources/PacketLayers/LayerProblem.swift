/// Why a frame yielded no TCP segment.
public enum LayerProblem: String, Sendable, CaseIterable {
    case truncatedLinkHeader = "truncated link-layer header"
    /// The capture ends inside the IPv4 header or an IPv6 (extension) header.
    case truncatedIPHeader = "truncated IP header"
    case badIPVersion = "bad IP version"
    case badIPHeaderLength = "bad IPv4 header length"
    case badIPTotalLength = "IP length shorter than its header"
    /// The capture, or IP's declared length, ends inside the TCP header.
    case truncatedTCPHeader = "truncated TCP header"
    /// Data offset below 5 words, or a TCP header longer than the IP payload.
    case badTCPDataOffset = "bad TCP data offset"
    /// An extension header running past the IPv6 payload length, or a fragment header where none may be.
    case badIPv6ExtensionHeader = "malformed IPv6 extension header"
    /// A fragment ending beyond the largest datagram (`PacketDecoder.maxDatagramBytes`); the fragment is dropped.
    case fragmentOverflow = "IP fragment beyond 65535 bytes"
    /// Too many datagrams in progress: the oldest was abandoned (its fragments are counted in
    /// `LayerStats.fragmentsUnfinished`) to make room. The fragment in this frame was still held.
    case fragmentLimit = "IP fragment buffer limit reached"
}
