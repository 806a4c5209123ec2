#ifndef RAW_PRODUCER_H
#define RAW_PRODUCER_H

#include <stddef.h>
#include <stdint.h>

/// Result of one raw librdkafka producer run.
typedef struct raw_producer_result {
    long delivered;      ///< successful delivery reports (the warm-up message not counted)
    long failed;         ///< failed delivery reports
    double seconds;      ///< wall time from first timed produce to last delivery report
    double loop_cpu_seconds; ///< CPU time of the producing thread during the produce loop
    double startup_seconds;  ///< from rd_kafka_new to the warm-up message's delivery report
    char error[256];     ///< set when the run could not start
} raw_producer_result;

/// Produces `count` messages of `size` bytes to `topic` with plain librdkafka (the reference
/// the Swift producer is measured against), using `properties` (name, value, name, value, ...).
/// With `topic_handle` 0, each message names its topic (`rd_kafka_producev`, as librdkafka's
/// examples do); otherwise they go to one topic handle made up front (`rd_kafka_produce`).
/// With `copy` 0, librdkafka points to the one payload buffer (which outlives the run) instead
/// of copying it into each message (`RD_KAFKA_MSG_F_COPY`, as librdkafka's examples do).
/// With `keys` above 0, message `i` has the key `key-<i % keys>` (librdkafka copies it, and its
/// partitioner hashes it), as the Swift keyed paths' messages do; 0 sends no keys.
///
/// The clock starts only once a first message, produced the same way, has been delivered: the
/// connection, the producer id and the topic's metadata are behind it (see raw_producer.c).
raw_producer_result raw_producer_run(const char *const *properties, size_t property_count,
                                     const char *topic, long count, size_t size, int topic_handle, int copy, int keys);

/// As `raw_producer_run`, but produces at `rate` messages per second (evenly spaced, each
/// message at its scheduled time or as soon after as the loop gets there) and stores each
/// message's delivery latency in nanoseconds — from its scheduled send time to its delivery
/// report — in `latencies_ns[i]` (0 for a failed one). `latencies_ns` holds `count` values.
/// With `partitions` above 0, message `i` goes to partition `i % partitions` (as the Swift
/// side of the latency benchmark does, to match reports to messages); otherwise the
/// partitioner chooses.
raw_producer_result raw_producer_rate_run(const char *const *properties, size_t property_count,
                                          const char *topic, long count, size_t size, int topic_handle,
                                          int partitions, double rate, uint64_t *latencies_ns);

#endif
