/// Where a key's order was broken under ``KafkaProducerConfiguration/Ordering/perKey``: the
/// messages of ``key`` sent after the point it names are stored without the message it names.
public struct KafkaOrderBreak: Sendable, CustomStringConvertible {
    /// Why the order was broken.
    public enum Reason: Sendable {
        /// A message of the key finally failed (with this error; see
        /// ``KafkaProducerEvent/failed(_:_:)`` or the message's completion): later messages of
        /// the key are stored without it.
        case failed(KafkaError)
        /// A message of the key that librdkafka still held when an earlier one was reported
        /// failed (retriably, before the delivery budget was spent) was stored ahead of the
        /// earlier one, which is produced again after it. Reported once per failure episode of
        /// the key, and conservatively: an earlier message whose acknowledgement arrives after
        /// a later one's failure is reported too, though it kept its place.
        case overtaken
    }

    /// The topic.
    public var topic: String
    /// The explicit partition, or `nil` when the partitioner chose it.
    public var partition: Int32?
    /// The key's bytes.
    public var key: [UInt8]
    /// Why.
    public var reason: Reason

    public var description: String {
        // The key itself is left out: it is the application's data.
        let place = partition.map { "\(topic) [\($0)]" } ?? topic
        switch reason {
        case .failed(let error): return "order of a key in \(place) broken: a message finally failed (\(error))"
        case .overtaken: return "order of a key in \(place) broken: a later message was stored before a failed one"
        }
    }
}
