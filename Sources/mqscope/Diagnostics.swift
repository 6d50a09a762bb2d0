#if canImport(Glibc)
import Glibc
#endif

/// One-line messages to standard error.
enum Diagnostics {
    static func error(_ message: String) { write("mqscope: error: \(message)\n") }
    static func warn(_ message: String) { write("mqscope: warning: \(message)\n") }
    static func write(_ s: String) {
        var s = s
        s.withUTF8 { b in _ = Glibc.write(2, b.baseAddress, b.count) }
    }
}
