import Synchronization

/// The shape of the `send` paths: `tasks` tasks in one group, each sending one message at a
/// time and awaiting it, as request handlers of a service would, until `count` have been sent.
enum ConcurrentSenders {
    static func run(_ count: Int, from tasks: Int, send: @escaping @Sendable () async throws -> Void) async throws {
        let claimed = Claimed()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<tasks {
                group.addTask {
                    while claimed.next() < count { try await send() }
                }
            }
            try await group.waitForAll()
        }
    }

    /// The next message's number, shared by the sending tasks (a class: a task group's closures
    /// may not capture a local atomic).
    private final class Claimed: Sendable {
        private let claimed = Atomic(0)
        func next() -> Int { claimed.add(1, ordering: .relaxed).oldValue }
    }
}
