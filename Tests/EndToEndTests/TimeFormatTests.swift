import Rendering
import Testing
import WireCore

/// The time texts of `read` and `streams`: the fast path gives exactly what the general one did.
@Suite struct TimeFormatTests {
    @Test func iso8601PadsEveryField() {
        #expect(TimeFormat.iso8601(Timestamp(seconds: 0, nanoseconds: 5)) == "1970-01-01T00:00:00.000000005Z")
        #expect(TimeFormat.iso8601(Timestamp(seconds: 1_700_000_000, nanoseconds: 123_456_789))
                == "2023-11-14T22:13:20.123456789Z")
        #expect(TimeFormat.iso8601(Timestamp(seconds: 253_402_300_799, nanoseconds: 999_999_999))
                == "9999-12-31T23:59:59.999999999Z")
        #expect(TimeFormat.iso8601(Timestamp(seconds: -1, nanoseconds: 0)) == "1969-12-31T23:59:59.000000000Z")
    }

    @Test func iso8601OutsideTheFastPathKeepsItsGeneralForm() {
        // Year 10000 and a nanosecond field past one second take the general formatting.
        #expect(TimeFormat.iso8601(Timestamp(seconds: 253_402_300_800, nanoseconds: 0))
                == "10000-01-01T00:00:00.000000000Z")
        #expect(TimeFormat.iso8601(Timestamp(seconds: 0, nanoseconds: 1_500_000_000))
                == "1970-01-01T00:00:00.1500000000Z")
    }

    @Test func relativeHasMicrosecondsAndASign() {
        let origin = Timestamp(seconds: 100, nanoseconds: 0)
        #expect(TimeFormat.relative(Timestamp(seconds: 100, nanoseconds: 0), to: origin) == "0.000000")
        #expect(TimeFormat.relative(Timestamp(seconds: 112, nanoseconds: 345_678_999), to: origin) == "12.345678")
        #expect(TimeFormat.relative(Timestamp(seconds: 99, nanoseconds: 999_999_000), to: origin) == "-0.000001")
        #expect(TimeFormat.relative(Timestamp(seconds: 9_000_000_000, nanoseconds: 1000), to: origin)
                == "8999999900.000001")
    }
}
