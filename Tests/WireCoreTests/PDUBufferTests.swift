import Testing
import WireCore

@Suite("PDUBuffer")
struct PDUBufferTests {
    @Test func accumulatesAndTracksFrames() {
        var b = PDUBuffer()
        let a: [UInt8] = [1, 2, 3]
        let c: [UInt8] = [4, 5]
        a.withUnsafeBufferPointer { b.append($0.span, at: 100, frame: 7) }
        c.withUnsafeBufferPointer { b.append($0.span, at: 103, frame: 7) }  // same frame, contiguous: one chunk
        b.append(6, at: 105, frame: 8)
        #expect(b.bytes == [1, 2, 3, 4, 5, 6])
        #expect(b.chunks == [FrameChunk(offset: 100, frame: 7), FrameChunk(offset: 105, frame: 8)])
        #expect(b.streamRange == StreamRange(100, 106))
        #expect(b.frame(at: 4) == 7 && b.frame(at: 5) == 8 && b.frame(at: 6) == nil)
        var out = [FrameChunk]()
        b.chunks(covering: 1, 6, into: &out)
        #expect(out == [FrameChunk(offset: 101, frame: 7), FrameChunk(offset: 105, frame: 8)])
        b.chunks(covering: 0, 2, into: &out)
        #expect(out == [FrameChunk(offset: 100, frame: 7)])
        #expect(b.withSpan(2..<4) { $0.count == 2 && $0[0] == 3 })
        b.removeFirst(5)
        #expect(b.bytes == [6] && b.chunks == [FrameChunk(offset: 105, frame: 8)])
        b.removeFirst(1)
        #expect(b.isEmpty && b.chunks.isEmpty)
    }

    @Test func resetKeepsCapacity() {
        var b = PDUBuffer()
        let a = [UInt8](repeating: 9, count: 1000)
        a.withUnsafeBufferPointer { b.append($0.span, at: 0, frame: 1) }
        let capacity = b.bytes.capacity
        b.reset()
        #expect(b.isEmpty && b.bytes.capacity == capacity)
    }
}
