import Foundation

/// The secrets a key log holds for one connection, found by its ClientHello random.
public struct TLSSecrets: Sendable, Equatable {
    /// TLS 1.2 (and earlier): `CLIENT_RANDOM`, the 48-byte master secret.
    public var masterSecret: [UInt8]?
    /// TLS 1.3 (RFC 8446 7.1).
    public var clientHandshakeTraffic: [UInt8]?
    public var serverHandshakeTraffic: [UInt8]?
    public var clientTraffic0: [UInt8]?
    public var serverTraffic0: [UInt8]?
    public init() {}
    public var isEmpty: Bool { self == TLSSecrets() }
}

/// Secrets in the NSS key log format (one `LABEL <client_random hex> <secret hex>` per line, `#` comments),
/// as written by OpenSSL / Python `keylog_filename`, `SSLKEYLOGFILE`, Mbed TLS export callbacks, and
/// carried by pcapng Decryption Secrets Blocks. Lines with other labels (early traffic, exporter) are ignored.
public struct TLSKeyLog: Sendable {
    public private(set) var secrets: [[UInt8]: TLSSecrets] = [:]
    /// Lines that were not understood (malformed hex, wrong random length), counted for the report.
    public private(set) var badLines = 0
    /// Files to re-read when a lookup misses and they have grown (clients append while a capture runs).
    var files: [(path: String, size: UInt64)] = []

    public init() {}

    public var isEmpty: Bool { secrets.isEmpty }
    public var count: Int { secrets.count }

    /// Adds every secret in `text`.
    public mutating func add(text: String) {
        var text = text
        text.withUTF8 { add(bytes: $0) }
    }

    /// Adds every secret in these UTF-8 bytes. Read as bytes, not as Strings: a key log holds five
    /// lines per TLS 1.3 session, and a benchmark's hundreds of sessions made String splitting costly.
    mutating func add(bytes b: UnsafeBufferPointer<UInt8>) {
        var start = 0
        while start < b.count {
            var end = start
            while end < b.count, b[end] != 0x0A, b[end] != 0x0D { end += 1 }
            add(line: UnsafeBufferPointer(rebasing: b[start..<end]))
            start = end + 1
        }
    }

    mutating func add(line: UnsafeBufferPointer<UInt8>) {
        // Up to four space-separated fields (a fourth makes the line malformed).
        var fields: [Range<Int>] = []
        var i = 0
        while i < line.count, fields.count < 4 {
            while i < line.count, line[i] == 0x20 { i += 1 }
            guard i < line.count else { break }
            let from = i
            while i < line.count, line[i] != 0x20 { i += 1 }
            fields.append(from..<i)
        }
        guard let label = fields.first, line[label.lowerBound] != UInt8(ascii: "#") else { return }
        guard fields.count == 3, let random = Self.hex(UnsafeBufferPointer(rebasing: line[fields[1]])), random.count == 32,
              let secret = Self.hex(UnsafeBufferPointer(rebasing: line[fields[2]])), !secret.isEmpty, secret.count <= 64 else {
            badLines += 1
            return
        }
        let first = String(decoding: UnsafeBufferPointer(rebasing: line[label]), as: UTF8.self)
        do {
            var s = secrets[random] ?? TLSSecrets()
            switch first {
            case "CLIENT_RANDOM": s.masterSecret = secret
            case "CLIENT_HANDSHAKE_TRAFFIC_SECRET": s.clientHandshakeTraffic = secret
            case "SERVER_HANDSHAKE_TRAFFIC_SECRET": s.serverHandshakeTraffic = secret
            case "CLIENT_TRAFFIC_SECRET_0": s.clientTraffic0 = secret
            case "SERVER_TRAFFIC_SECRET_0": s.serverTraffic0 = secret
            default: return
            }
            secrets[random] = s
        }
    }

    /// Adds a key log file and remembers it to re-read when it grows.
    public mutating func add(file path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        data.withUnsafeBytes { add(bytes: $0.bindMemory(to: UInt8.self)) }
        files.removeAll { $0.path == path }
        files.append((path, UInt64(data.count)))
    }

    /// The secrets for a ClientHello random; re-reads grown key log files once on a miss.
    public mutating func lookup(_ clientRandom: [UInt8]) -> TLSSecrets? {
        if let s = secrets[clientRandom] { return s }
        return refresh(clientRandom)
    }

    /// Re-reads the key log files that have grown, then looks up: for a session whose later
    /// secrets are appended after its first ones (TLS 1.3 clients log the handshake secrets, then
    /// the application ones, as the handshake goes).
    public mutating func refresh(_ clientRandom: [UInt8]) -> TLSSecrets? {
        var grew = false
        for (path, size) in files {
            if let attrs = try? FileManager.default.attributesOfItem(atPath: path),
               let n = (attrs[.size] as? NSNumber)?.uint64Value, n != size { grew = true }
        }
        if grew {
            badLines = 0
            for (path, _) in files { try? add(file: path) }
        }
        return secrets[clientRandom]
    }

    static func hex(_ s: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard s.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(s.count / 2)
        var hi: UInt8 = 0
        var odd = false
        for c in s {
            let v: UInt8
            switch c {
            case 48...57: v = c - 48
            case 97...102: v = c - 87
            case 65...70: v = c - 55
            default: return nil
            }
            if odd { out.append(hi << 4 | v) } else { hi = v }
            odd.toggle()
        }
        return out
    }

    // MARK: pcapng Decryption Secrets Blocks

    /// Adds the TLS key logs embedded in a pcapng file's Decryption Secrets Blocks (pcapng draft 4.7:
    /// block type 0x0000000A, secrets type 0x544c534b "TLSK"). libpcap skips these blocks, so the file's
    /// blocks are walked here; other files (pcap) add nothing. Returns how many blocks were found.
    @discardableResult
    public mutating func add(pcapngSecretsOf path: String) -> Int {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return 0 }
        return data.withUnsafeBytes { raw -> Int in
            let b = raw.bindMemory(to: UInt8.self)
            return addSecretsBlocks(b)
        }
    }

    mutating func addSecretsBlocks(_ b: UnsafeBufferPointer<UInt8>) -> Int {
        func u32(_ at: Int, _ big: Bool) -> UInt32 {
            let v = UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
            return big ? v.byteSwapped : v
        }
        guard b.count >= 12, u32(0, false) == 0x0A0D_0D0A else { return 0 }
        var big = u32(8, false) != 0x1A2B_3C4D
        var found = 0
        var at = 0
        while at + 12 <= b.count {
            let type = u32(at, big)
            if type == 0x0A0D_0D0A { big = u32(at + 8, false) != 0x1A2B_3C4D }   // a new section may flip byte order
            let length = Int(u32(at + 4, big))
            guard length >= 12, length % 4 == 0, at + length <= b.count else { break }
            if type == 0x0000_000A, length >= 20, u32(at + 8, big) == 0x544C_534B {
                let secretsLength = Int(u32(at + 12, big))
                if secretsLength <= length - 20 {
                    let start = at + 16
                    add(bytes: UnsafeBufferPointer(rebasing: b[start..<(start + secretsLength)]))
                    found += 1
                }
            }
            at += length
        }
        return found
    }
}
