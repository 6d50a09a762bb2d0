/// Which network-layer header follows the link-layer header.
enum NetworkKind: Equatable {
    case ipv4
    case ipv6
    /// Raw IP: the version nibble of the first byte decides.
    case byVersionNibble
}

/// Where a frame's network layer starts, or why it has none.
enum LinkDecodeResult: Equatable {
    case network(NetworkKind, offset: Int)
    case notIP
    case truncated
}

/// EtherType values the link walk understands.
enum EtherType {
    static let ipv4: UInt16 = 0x0800
    static let ipv6: UInt16 = 0x86DD
    static let vlan: UInt16 = 0x8100      // IEEE 802.1Q customer tag
    static let qinq: UInt16 = 0x88A8      // IEEE 802.1ad service tag
    static let qinqLegacy: UInt16 = 0x9100
    static let qinqLegacy2: UInt16 = 0x9200

    static func isVLANTag(_ type: UInt16) -> Bool {
        type == vlan || type == qinq || type == qinqLegacy || type == qinqLegacy2
    }
}

/// BSD loopback address families (the values differ between the BSDs for IPv6).
enum LoopbackFamily {
    static let inet: UInt32 = 2
    static let inet6Values: (UInt32, UInt32, UInt32) = (24, 28, 30)   // NetBSD/OpenBSD, FreeBSD, Darwin

    static func kind(of family: UInt32) -> NetworkKind? {
        if family == inet { return .ipv4 }
        if family == inet6Values.0 || family == inet6Values.1 || family == inet6Values.2 { return .ipv6 }
        return nil
    }
}

extension LinkType {
    /// Finds the network layer in `frame`, skipping any number of VLAN tags.
    func locateNetworkLayer(in frame: Span<UInt8>) -> LinkDecodeResult {
        switch self {
        case .ethernet:
            // dst MAC (6), src MAC (6), EtherType (2).
            guard frame.count >= 14 else { return .truncated }
            return Self.walkEtherType(frame, type: frame.be16(at: 12), next: 14)
        case .linuxSLL:
            // packet type (2), ARPHRD type (2), address length (2), address (8), protocol (2).
            guard frame.count >= 16 else { return .truncated }
            return Self.walkEtherType(frame, type: frame.be16(at: 14), next: 16)
        case .linuxSLL2:
            // protocol (2), reserved (2), interface index (4), ARPHRD type (2), packet type (1),
            // address length (1), address (8).
            guard frame.count >= 20 else { return .truncated }
            return Self.walkEtherType(frame, type: frame.be16(at: 0), next: 20)
        case .null:
            // The family is in the capturing host's byte order, which the file does not record:
            // accept either order (the valid values cannot be confused with each other swapped).
            guard frame.count >= 4 else { return .truncated }
            if let kind = LoopbackFamily.kind(of: frame.le32(at: 0)) ?? LoopbackFamily.kind(of: frame.be32(at: 0)) {
                return .network(kind, offset: 4)
            }
            return .notIP
        case .loop:
            guard frame.count >= 4 else { return .truncated }
            if let kind = LoopbackFamily.kind(of: frame.be32(at: 0)) { return .network(kind, offset: 4) }
            return .notIP
        case .rawIP:
            return .network(.byVersionNibble, offset: 0)
        case .ipv4:
            return .network(.ipv4, offset: 0)
        case .ipv6:
            return .network(.ipv6, offset: 0)
        }
    }

    /// Follows 802.1Q / 802.1ad tags (each: TCI (2), inner EtherType (2)) to the network layer.
    /// `type` is the outermost EtherType; `next` is where the bytes it describes begin.
    private static func walkEtherType(_ frame: Span<UInt8>, type outer: UInt16, next start: Int) -> LinkDecodeResult {
        var type = outer
        var next = start
        while EtherType.isVLANTag(type) {
            guard frame.count - next >= 4 else { return .truncated }
            type = frame.be16(at: next + 2)
            next += 4
        }
        switch type {
        case EtherType.ipv4: return .network(.ipv4, offset: next)
        case EtherType.ipv6: return .network(.ipv6, offset: next)
        default: return .notIP
        }
    }
}
