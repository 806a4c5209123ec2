import Foundation
import Synchronization

/// Serves librdkafka's main queue (delivery reports, errors, statistics) so that the
/// application never has to poll — and without occupying one of Swift concurrency's few
/// cooperative threads with a blocking call.
///
/// librdkafka calls back when the queue gets work (`rd_kafka_queue_cb_event_enable`, on the
/// empty-to-non-empty transition): the callback raises a flag and, the first time, wakes a
/// dedicated thread through a pipe; that thread serves the queue. A busy producing task serves
/// it too, between messages, when the flag is up and no one else is serving
/// (``serveIfIdle()``) — where a C program calls `rd_kafka_poll(rk, 0)` after every produce,
/// a queue lock and two clock reads each time, this is one atomic load while nothing waits.
/// The reports — and the frees of what the producing thread allocated — then happen on that
/// thread, instead of two threads fighting over malloc's locks. One thread serves at a time,
/// so reports keep their order.
///
/// When work comes while a producing thread is busy — it has served since the poll thread last
/// looked — the poll thread waits ``producerGraceMicroseconds`` first and leaves the work to it
/// if it takes it. Served on the poll thread instead, librdkafka's messages are freed on
/// another thread than the one that allocated them (a lock on malloc's arena each), and the
/// two threads take turns on the same reports: the batch path, whose producing thread is
/// inside `rd_kafka_produce_batch` for 128 messages at a time, lost 6-9% to that
/// (docs/benchmarks.md, eleventh session). An idle producer's reports are served at once.
///
/// Nobody ever waits for the serving lock: when the producing task holds it, the thread naps
/// for a millisecond and tries again. It is an atomic flag, not a `Mutex`: on Linux a `Mutex`
/// is a priority-inheritance futex, where a waiter makes every unlock a system call and even a
/// failed try-lock is one (`FUTEX_TRYLOCK_PI`) — and the producing task tries once per message
/// while the queue has work.
final class PollThread: Sendable {
    private final class Control: Sendable {
        let running = Atomic<Bool>(true)
        /// Raised by librdkafka's queue callback, lowered just before each serve (so that work
        /// arriving during a serve raises it again).
        let pending = Atomic<Bool>(false)
        let finished = DispatchSemaphore(value: 0)
        /// Up while a thread serves: at most one thread calls into the queue's callbacks.
        /// Taken with acquire and given back with release ordering, so whatever the previous
        /// server wrote (the event sink's batch) is seen by the next.
        let serving = Atomic<Bool>(false)
        /// The thread that serves while ``serving`` is up (`pthread_self` as a bit pattern), so
        /// that a teardown can tell it is running inside a callback of this handle.
        let servingThread = Atomic<UInt>(0)
        /// Serves done by producing threads (``PollThread/serveIfIdle()``), counted once per serve:
        /// the poll thread leaves work to a producer that is serving.
        let producerServes = Atomic<Int>(0)
        let readFD: Int32
        let writeFD: Int32
        /// Run after each serve, under the serving lock (the producer yields the delivery
        /// reports it gathered).
        let afterServe: @Sendable () -> Void

        init(readFD: Int32, writeFD: Int32, afterServe: @escaping @Sendable () -> Void) {
            self.readFD = readFD
            self.writeFD = writeFD
            self.afterServe = afterServe
        }

        /// Serves what is ready, unless another thread is serving; false if it was.
        func serveIfIdle(_ client: RdKafkaClient) -> Bool {
            serve(client, timeoutMs: 0)
        }

        /// Serves, waiting up to `timeoutMs` for work, unless another thread is serving; false
        /// if it was.
        func serve(_ client: RdKafkaClient, timeoutMs: Int32) -> Bool {
            guard serving.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
            servingThread.store(UInt(bitPattern: Int(bitPattern: pthread_self())), ordering: .relaxed)
            defer {
                servingThread.store(0, ordering: .relaxed)
                serving.store(false, ordering: .releasing)
            }
            pending.store(false, ordering: .sequentiallyConsistent)
            client.poll(timeoutMs: timeoutMs)
            afterServe()
            return true
        }

        /// librdkafka's queue has work (called on one of its threads, under the queue's lock:
        /// no librdkafka call here, and nothing slow).
        func queueHasWork() {
            guard !pending.exchange(true, ordering: .sequentiallyConsistent), writeFD >= 0 else { return }
            var wake: UInt8 = 1
            _ = write(writeFD, &wake, 1)
        }
    }

    private let control: Control
    private let client: RdKafkaClient
    /// The main queue, watched until ``stop()``.
    private let queue: RdKafkaPointer

    init(client: RdKafkaClient, name: String, afterServe: @escaping @Sendable () -> Void = {}) {
        var fds: [Int32] = [-1, -1]
        // Non-blocking both ways: librdkafka must never block writing the wake-up byte.
        if pipe(&fds) == 0 {
            for fd in fds {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
        } else {
            fds = [-1, -1]
        }
        let control = Control(readFD: fds[0], writeFD: fds[1], afterServe: afterServe)
        self.control = control
        self.client = client
        // The control outlives the callback: `stop()` removes it before anything is released.
        queue = client.watchMainQueue({ _, opaque in
            guard let opaque else { return }
            Unmanaged<Control>.fromOpaque(opaque).takeUnretainedValue().queueHasWork()
        }, opaque: Unmanaged.passUnretained(control).toOpaque())
        let thread = Thread {
            RdKafkaClient.nameCurrentThread(name)
            var pending = pollfd(fd: control.readFD, events: Int16(POLLIN), revents: 0)
            var drain = [UInt8](repeating: 0, count: 256)
            var producerServesSeen = control.producerServes.load(ordering: .relaxed)
            while control.running.load(ordering: .acquiring) {
                // Without a pipe (pipe2 failed) this is a plain 50 ms tick.
                if control.readFD >= 0 {
                    _ = poll(&pending, 1, 50)
                    while read(control.readFD, &drain, drain.count) > 0 {}
                } else {
                    usleep(50_000)
                }
                // A producing thread that has served since this thread last looked is busy
                // producing, and serves between its messages: it gets a moment to take this
                // work too, so that librdkafka's messages are freed on the thread that
                // allocated them. An idle producer's reports are served at once.
                let producerServes = control.producerServes.load(ordering: .relaxed)
                if producerServes != producerServesSeen {
                    producerServesSeen = producerServes
                    usleep(Self.producerGraceMicroseconds)
                    guard control.pending.load(ordering: .sequentiallyConsistent) else { continue }
                }
                while !control.serveIfIdle(client), control.running.load(ordering: .acquiring) {
                    usleep(1000)
                }
            }
            control.finished.signal()
        }
        thread.start()
    }

    /// Whether the calling thread is serving this handle's callbacks right now (it is inside a
    /// delivery report or a handler run from one).
    var isServingOnCurrentThread: Bool {
        control.serving.load(ordering: .acquiring)
            && control.servingThread.load(ordering: .relaxed) == UInt(bitPattern: Int(bitPattern: pthread_self()))
    }

    /// Serves whatever is ready, unless nothing is or another thread is serving right now.
    /// Never waits.
    func serveIfIdle() {
        guard control.pending.load(ordering: .relaxed) else { return }
        if control.serveIfIdle(client) { control.producerServes.wrappingAdd(1, ordering: .relaxed) }
    }

    /// How long the poll thread leaves work to a producing thread that has been serving.
    static let producerGraceMicroseconds: UInt32 = 200

    /// Serves, waiting up to `timeoutMs` for something to serve (after ``stop()``, when the
    /// owner drains the queue itself).
    func serve(timeoutMs: Int32) {
        while !control.serve(client, timeoutMs: timeoutMs) { usleep(100) }
    }

    /// Stops the thread and waits for its last poll to return; the queue stops signalling.
    func stop() {
        guard control.running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        if control.writeFD >= 0 {
            var wake: UInt8 = 1
            _ = write(control.writeFD, &wake, 1)
        }
        control.finished.wait()
        client.stopWatching(queue)
        if control.readFD >= 0 { close(control.readFD) }
        if control.writeFD >= 0 { close(control.writeFD) }
    }
}
