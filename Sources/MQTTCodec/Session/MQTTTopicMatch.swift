/// MQTT Topic Filter matching, the one implementation the checkers, statistics and filters share.
public enum TopicMatch {
    /// Made once (it was an array allocated per match: every delivery against every subscription).
    static let sharePrefix = Array("$share/".utf8)

    /// Topic Filter matching (3.1.1 §4.7, 5.0 §4.7): '+' one level, '#' the rest (and the parent
    /// level), wildcards at the start do not match a topic starting with '$'. A 5.0 shared
    /// subscription `$share/{group}/{filter}` matches as its filter.
    public static func matches(filter f0: [UInt8], topic t: [UInt8]) -> Bool {
        let slash = UInt8(ascii: "/")
        var f = f0[...]
        let share = sharePrefix
        if f.starts(with: share) {
            f = f.dropFirst(share.count)
            guard let g = f.firstIndex(of: slash) else { return false }
            f = f[(g + 1)...]
        }
        if let first = f.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "#"), t.first == UInt8(ascii: "$") {
            return false
        }
        var fi = f.startIndex
        var ti = t.startIndex
        while true {
            // One level of each.
            let fEnd = f[fi...].firstIndex(of: slash) ?? f.endIndex
            let level = f[fi..<fEnd]
            if level.count == 1 && level.first == UInt8(ascii: "#") { return true }
            if ti > t.endIndex { return false }
            let tEnd = ti <= t.endIndex ? (t[ti...].firstIndex(of: slash) ?? t.endIndex) : t.endIndex
            if !(level.count == 1 && level.first == UInt8(ascii: "+")) && !level.elementsEqual(t[ti..<tEnd]) { return false }
            let fDone = fEnd == f.endIndex
            let tDone = tEnd == t.endIndex
            if fDone && tDone { return true }
            if tDone {
                // "a/#" matches "a": the filter's next level is a lone '#'.
                let rest = f[(fEnd + 1)...]
                return rest.count == 1 && rest.first == UInt8(ascii: "#")
            }
            if fDone { return false }
            fi = fEnd + 1
            ti = tEnd + 1
        }
    }

    /// The same for strings (a filter or topic given on the command line, a statistics key).
    public static func matches(filter: String, topic: String) -> Bool {
        matches(filter: Array(filter.utf8), topic: Array(topic.utf8))
    }
}
