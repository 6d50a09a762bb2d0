import Foundation

/// Where the tests find the project's captures and fixtures, and the shared corpus beside it.
public enum Paths {
    /// The package root, found from this file's location (Tests/TestSupport/Paths.swift).
    public static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    public static let captures = root.appendingPathComponent("captures")
    public static let fixtures = root.appendingPathComponent("Fixtures")
    /// ../shared/corpus/external beside the project root (present on developer machines and in CI).
    public static let external = root.deletingLastPathComponent().appendingPathComponent("shared/corpus/external")

    /// Every pcap/pcapng below `dir` (subfolders too), sorted by path.
    public static func captureFiles(under dir: URL) -> [URL] {
        guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil) else { return [] }
        var out: [URL] = []
        for case let u as URL in e where ["pcap", "pcapng"].contains(u.pathExtension) { out.append(u) }
        return out.sorted { $0.path < $1.path }
    }

    /// The pcap/pcapng files directly in `dir`, sorted by name.
    public static func files(in dir: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
            .map { dir.appendingPathComponent($0) }
    }
}
