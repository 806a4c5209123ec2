import Testing
@testable import MSKKafka

struct DueQueueTests {
    @Test func popsInDueOrderFirstInFirstOutAmongEqualTimes() {
        let origin = ContinuousClock.now
        var generator = SystemRandomNumberGenerator()
        var queue = DueQueue<Int>()
        var reference: [(due: Int, index: Int)] = []
        // Few distinct times, so that ties are common.
        for index in 0..<10_000 {
            let due = Int.random(in: 0..<50, using: &generator)
            queue.insert(index, due: origin + .milliseconds(due))
            reference.append((due, index))
        }
        let expected = reference.sorted { $0.due < $1.due || ($0.due == $1.due && $0.index < $1.index) }.map(\.index)

        // Nothing is due before its time; then everything, in order.
        #expect(queue.popDue(at: origin - .milliseconds(1)) == nil)
        var popped: [Int] = []
        for step in 0..<50 {
            while let value = queue.popDue(at: origin + .milliseconds(step)) { popped.append(value) }
            #expect(queue.earliestDue.map { $0 > origin + .milliseconds(step) } ?? true)
        }
        #expect(popped == expected)
        #expect(queue.isEmpty)
    }

    @Test func removeAllReturnsWhatIsLeftInDueOrder() {
        let origin = ContinuousClock.now
        var queue = DueQueue<String>()
        for (name, due) in [("c", 30), ("a", 10), ("d", 30), ("b", 20)] { queue.insert(name, due: origin + .seconds(due)) }
        #expect(queue.popDue(at: origin + .seconds(10)) == "a")
        #expect(queue.removeAll() == ["b", "c", "d"])
        #expect(queue.count == 0)
    }
}
