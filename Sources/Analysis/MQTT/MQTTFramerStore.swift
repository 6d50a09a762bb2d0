import MQTTCodec
import WireCore

/// The MQTT framers of the router's connection slots, two per slot (client, server), kept outside
/// the router's value.
///
/// Why: a framer calls back into the router for every packet it frames, and the router owns the
/// connection table. A framer stored in the table had to be swapped out and back in around every
/// call (three copies of a few hundred bytes per segment, the largest single cost of
/// `read --count` after the reassembly itself). Framers here are reached through a pointer the
/// router keeps inline, so they are driven in place.
///
/// The memory only grows when a slot is added (`connectionOpened`), never while a framer runs.
final class MQTTFramerStore {
    private(set) var base: UnsafeMutablePointer<MQTTFramer>
    private(set) var capacity: Int

    init() {
        capacity = 8
        base = .allocate(capacity: capacity)
        base.initialize(repeating: idleFramer, count: capacity)
    }

    deinit {
        base.deinitialize(count: capacity)
        base.deallocate()
    }

    /// Makes room for the framers of slots `0 ..< slots`; returns the (possibly moved) memory.
    func reserve(slots: Int) -> UnsafeMutablePointer<MQTTFramer> {
        let needed = slots * 2
        guard needed > capacity else { return base }
        let newCapacity = max(needed, capacity * 2)
        let larger = UnsafeMutablePointer<MQTTFramer>.allocate(capacity: newCapacity)
        larger.moveInitialize(from: base, count: capacity)
        (larger + capacity).initialize(repeating: idleFramer, count: newCapacity - capacity)
        base.deallocate()
        base = larger
        capacity = newCapacity
        return larger
    }

    /// Index of `slot`'s framer for `direction`.
    @inline(__always) static func index(_ slot: Int, _ direction: Direction) -> Int {
        slot &* 2 &+ (direction == .clientToServer ? 0 : 1)
    }
}
