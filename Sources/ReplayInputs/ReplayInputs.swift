#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a fuzz target built without libFuzzer (a plain `swift build`) replays inputs — crash
/// reproducers, corpus files: `body` runs once per file named on the command line, with its bytes
/// (never an empty buffer without a base address). Returns false when a file cannot be read.
@discardableResult
public func replayInputFiles(_ body: (String, UnsafeBufferPointer<UInt8>) -> Void) -> Bool {
    for path in CommandLine.arguments.dropFirst() {
        guard let file = fopen(path, "rb") else {
            print("cannot open \(path)")
            return false
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        fclose(file)
        let count = bytes.count
        bytes.append(0)  // so the base address exists even for an empty file
        bytes.withUnsafeBufferPointer { buffer in
            body(path, UnsafeBufferPointer(rebasing: buffer[0..<count]))
        }
    }
    return true
}

/// The replaying `main` of a fuzz target whose entry point is `fuzz` (LLVMFuzzerTestOneInput):
/// runs every file named on the command line through it; exits 2 when a file cannot be read.
public func replayThroughFuzzEntry(_ fuzz: (UnsafePointer<UInt8>, Int) -> CInt) {
    let ok = replayInputFiles { path, bytes in
        if let base = bytes.baseAddress { _ = fuzz(base, bytes.count) }
        print("ran \(path) (\(bytes.count) bytes)")
    }
    if !ok { exit(2) }
}
