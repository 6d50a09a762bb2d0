import MQTTCodec
import WireCore

/// The MQTT framers of the router's MQTT connections, two per connection (client, server), kept
/// outside the router's value.
///
/// Why: a framer calls back into the router for every packet it frames, and the router owns the
/// connection table. A framer stored in the table had to be swapped out and back in around every
/// call (three copies of a few hundred bytes per segment, the largest single cost of
/// `read --count` after the reassembly itself). Framers here are reached through a pointer the
/// router keeps inline, so they are driven in place.
///
/// A pair is taken when an MQTT layer opens and given back when its connection closes (issue 12:
/// a connection that never carries MQTT — half-open, TLS, unknown — holds no framer). The memory
/// only grows when a pair is taken with none free, never while a framer runs.
final class MQTTFramerStore {
    private(set) var base: UnsafeMutablePointer<MQTTFramer>
    private(set) var capacity: Int
    /// Pairs never taken start at `used`; pairs given back wait in `free`.
    private var used = 0
    private var free: [Int32] = []

    init() {
        capacity = 8
        base = .allocate(capacity: capacity)
        base.initialize(repeating: idleFramer, count: capacity)
    }

    deinit {
        base.deinitialize(count: capacity)
        base.deallocate()
    }

    /// A pair of framers for a new MQTT connection (`base` may move: reload it).
    func take() -> Int32 {
        if let pair = free.popLast() { return pair }
        let pair = used
        used += 1
        let needed = used * 2
        if needed > capacity {
            let newCapacity = max(needed, capacity * 2)
            let larger = UnsafeMutablePointer<MQTTFramer>.allocate(capacity: newCapacity)
            larger.moveInitialize(from: base, count: capacity)
            (larger + capacity).initialize(repeating: idleFramer, count: newCapacity - capacity)
            base.deallocate()
            base = larger
            capacity = newCapacity
        }
        return Int32(pair)
    }

    /// Gives a pair back (its framers idle again, their buffers released).
    func give(_ pair: Int32) {
        let i = Int(pair) * 2
        base[i] = idleFramer
        base[i + 1] = idleFramer
        free.append(pair)
    }

    /// Index of `pair`'s framer for `direction`.
    @inline(__always) static func index(_ pair: Int32, _ direction: Direction) -> Int {
        Int(pair) &* 2 &+ (direction == .clientToServer ? 0 : 1)
    }
}
