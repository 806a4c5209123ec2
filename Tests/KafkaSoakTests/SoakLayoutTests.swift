import KafkaSoak
import Testing

/// The arithmetic that keeps a soak's partitions under the mock cluster's 5 MiB retention.
@Suite struct SoakLayoutTests {
    @Test func aShortRunGetsTheMinimumOfOneStreamPerPartition() throws {
        // 120 s × 500/s × 300 B = 18 MB over a 3 MiB (60 % of 5 MiB) budget: 6 partitions, the minimum.
        let layout = try SoakLayout.choose(streams: nil, partitions: nil, duration: 120, rate: 500, size: 200)
        #expect(layout == SoakLayout(streams: 6, partitions: 6))
        #expect(layout.bytesPerPartition(duration: 120, rate: 500, size: 200) == 3_000_000)
    }

    @Test func aLongRunGetsAsManyPartitionsAsItNeeds() throws {
        // 600 s × 500/s × 300 B = 90 MB / 3,145,728 B = 28.6: 29 partitions.
        let layout = try SoakLayout.choose(streams: nil, partitions: nil, duration: 600, rate: 500, size: 200)
        #expect(layout == SoakLayout(streams: 29, partitions: 29))
        #expect(layout.bytesPerPartition(duration: 600, rate: 500, size: 200) <= Double(SoakLayout.mockRetentionBytes) * SoakLayout.plannedShare)
    }

    @Test func oneOfStreamsOrPartitionsGivenSetsTheOther() throws {
        #expect(try SoakLayout.choose(streams: 4, partitions: nil, duration: 10, rate: 100, size: 100) == SoakLayout(streams: 4, partitions: 4))
        #expect(try SoakLayout.choose(streams: nil, partitions: 3, duration: 10, rate: 100, size: 100) == SoakLayout(streams: 3, partitions: 3))
        #expect(try SoakLayout.choose(streams: 7, partitions: 3, duration: 10, rate: 100, size: 100) == SoakLayout(streams: 7, partitions: 3))
    }

    @Test func theFullestPartitionCarriesTheRoundedUpShareOfStreams() {
        // 7 streams on 3 partitions: partition 0 has streams 0, 3 and 6.
        let layout = SoakLayout(streams: 7, partitions: 3)
        #expect(layout.bytesPerPartition(duration: 70, rate: 100, size: 100) == 70 * 100 / 7 * 3 * 200)
    }

    @Test func aLayoutThatWouldOutgrowTheRetentionIsRefusedWithThePartitionsItNeeds() {
        // 3000 s × 500/s / 6 × 300 B = 75,000,000 B = 71.5 MiB; 450 MB / 3 MiB = 143.05: 144.
        #expect {
            try SoakLayout.choose(streams: nil, partitions: 6, duration: 3000, rate: 500, size: 200)
        } throws: { error in
            let text = "\(error)"
            return error is SoakLayout.Refusal && text.contains("71.5 MiB in the fullest partition") && text.contains("the mock keeps 5.0 MiB")
                && text.contains("may plan 3.0 MiB") && text.contains("at least 144 partitions")
        }
        // The same run is fine when the layout is left to choose.
        #expect(throws: Never.self) { try SoakLayout.choose(streams: nil, partitions: nil, duration: 3000, rate: 500, size: 200) }
    }
}
