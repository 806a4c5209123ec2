// The reference for kafka-bench: the same work as the Swift producer, in plain C.
#include "raw_producer.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/// What the delivery-report callback updates: the run's counts and, in a fixed-rate run, each
/// message's latency (there, the message's opaque is its index plus one).
typedef struct run_state {
    raw_producer_result *result;
    uint64_t *latencies_ns;
    const uint64_t *scheduled_ns;
    int warmed_up;
} run_state;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double now_seconds(void) { return (double)now_ns() / 1e9; }

static double thread_cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *message, void *opaque) {
    (void)rk;
    run_state *state = opaque;
    // The warm-up message is the only one in flight until its report: the first report is its.
    if (!state->warmed_up) { state->warmed_up = 1; return; }
    size_t index = (size_t)message->_private;
    if (message->err) { state->result->failed++; return; }
    state->result->delivered++;
    if (state->latencies_ns) state->latencies_ns[index - 1] = now_ns() - state->scheduled_ns[index - 1];
}

/// One produce, by topic name or to the handle; waits on QUEUE_FULL as an application would.
static rd_kafka_resp_err_t produce_keyed(rd_kafka_t *rk, rd_kafka_topic_t *rkt, const char *topic, int32_t partition, int flags,
                                         char *payload, size_t size, const char *key, size_t key_len, void *opaque) {
    for (;;) {
        rd_kafka_resp_err_t err;
        if (rkt)
            err = rd_kafka_produce(rkt, partition, flags, payload, size, key, key_len, opaque) == 0
                      ? RD_KAFKA_RESP_ERR_NO_ERROR : rd_kafka_last_error();
        else if (partition == RD_KAFKA_PARTITION_UA && !opaque && key)  // the keyed reference: librdkafka copies the key too
            err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE(payload, size),
                                    RD_KAFKA_V_MSGFLAGS(flags), RD_KAFKA_V_END);
        else if (partition == RD_KAFKA_PARTITION_UA && !opaque)  // the throughput reference's call, as in librdkafka's examples
            err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(payload, size),
                                    RD_KAFKA_V_MSGFLAGS(flags), RD_KAFKA_V_END);
        else
            err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_VALUE(payload, size),
                                    RD_KAFKA_V_MSGFLAGS(flags), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) return err;
        rd_kafka_poll(rk, 10);
    }
}

static rd_kafka_resp_err_t produce(rd_kafka_t *rk, rd_kafka_topic_t *rkt, const char *topic, int32_t partition, int flags,
                                   char *payload, size_t size, void *opaque) {
    return produce_keyed(rk, rkt, topic, partition, flags, payload, size, NULL, 0, opaque);
}

/// Makes the producer and delivers one message before any clock starts.
///
/// Why: librdkafka 2.0.2 learns a topic that `rd_kafka_producev` names for the first time only
/// from the next metadata request. If the bootstrap connection came up (and sent its metadata
/// request, brokers only) before the first call created the topic, that is the 1 s topic scan:
/// every message waits in the unassigned queue for a second, then all go at once. Whether the
/// connection wins the race depends on scheduling, so a timed window that includes start-up
/// made the `c` program bimodal (a fast run, or one a second longer with all messages in
/// memory). `rd_kafka_topic_new` asks for the topic's leader itself, so `c (topic handle)`
/// never met it. A warm-up message takes start-up out of every program's figure alike.
static rd_kafka_t *start(const char *const *properties, size_t property_count, const char *topic, int topic_handle,
                         run_state *state, rd_kafka_topic_t **rkt, char *payload, size_t size) {
    raw_producer_result *result = state->result;
    char errstr[256];
    double begin = now_seconds();
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    for (size_t i = 0; i + 1 < property_count; i += 2) {
        if (rd_kafka_conf_set(conf, properties[i], properties[i + 1], errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
            snprintf(result->error, sizeof result->error, "%s: %s", properties[i], errstr);
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, state);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) {
        snprintf(result->error, sizeof result->error, "rd_kafka_new: %s", errstr);
        return NULL;
    }
    *rkt = NULL;
    if (topic_handle && !(*rkt = rd_kafka_topic_new(rk, topic, NULL))) {
        snprintf(result->error, sizeof result->error, "rd_kafka_topic_new: %s", rd_kafka_err2str(rd_kafka_last_error()));
        rd_kafka_destroy(rk);
        return NULL;
    }
    rd_kafka_resp_err_t err = produce(rk, *rkt, topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, payload, size, NULL);
    while (err == RD_KAFKA_RESP_ERR_NO_ERROR && !state->warmed_up) rd_kafka_poll(rk, 1);
    if (err) {
        snprintf(result->error, sizeof result->error, "warm-up: %s", rd_kafka_err2str(err));
        if (*rkt) rd_kafka_topic_destroy(*rkt);
        rd_kafka_destroy(rk);
        return NULL;
    }
    result->startup_seconds = now_seconds() - begin;
    return rk;
}

raw_producer_result raw_producer_run(const char *const *properties, size_t property_count,
                                     const char *topic, long count, size_t size, int topic_handle, int copy, int keys) {
    raw_producer_result result;
    memset(&result, 0, sizeof result);
    run_state state = { &result, NULL, NULL, 0 };
    char *payload = malloc(size);
    memset(payload, 'x', size);
    // The keys, made before the clock starts (as the Swift keyed path's are): "key-0" ... .
    char (*key_names)[16] = keys > 0 ? calloc((size_t)keys, sizeof *key_names) : NULL;
    size_t *key_lengths = keys > 0 ? calloc((size_t)keys, sizeof *key_lengths) : NULL;
    for (int k = 0; k < keys; k++) key_lengths[k] = (size_t)snprintf(key_names[k], sizeof key_names[k], "key-%d", k);
    rd_kafka_topic_t *rkt;
    rd_kafka_t *rk = start(properties, property_count, topic, topic_handle, &state, &rkt, payload, size);
    if (!rk) { free(payload); free(key_names); free(key_lengths); return result; }
    const int flags = copy ? RD_KAFKA_MSG_F_COPY : 0;
    double begin = now_seconds();
    double cpu_start = thread_cpu_seconds();
    for (long i = 0; i < count; i++) {
        const char *key = keys > 0 ? key_names[i % keys] : NULL;
        size_t key_len = keys > 0 ? key_lengths[i % keys] : 0;
        if (produce_keyed(rk, rkt, topic, RD_KAFKA_PARTITION_UA, flags, payload, size, key, key_len, NULL) != RD_KAFKA_RESP_ERR_NO_ERROR) result.failed++;
        rd_kafka_poll(rk, 0);
    }
    result.loop_cpu_seconds = thread_cpu_seconds() - cpu_start;
    while (result.delivered + result.failed < count) rd_kafka_poll(rk, 10);
    result.seconds = now_seconds() - begin;
    if (rkt) rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    free(payload);
    free(key_names);
    free(key_lengths);
    return result;
}

raw_producer_result raw_producer_rate_run(const char *const *properties, size_t property_count,
                                          const char *topic, long count, size_t size, int topic_handle,
                                          int partitions, double rate, uint64_t *latencies_ns) {
    raw_producer_result result;
    memset(&result, 0, sizeof result);
    uint64_t *scheduled = calloc((size_t)count, sizeof *scheduled);
    run_state state = { &result, latencies_ns, scheduled, 0 };
    char *payload = malloc(size);
    memset(payload, 'x', size);
    rd_kafka_topic_t *rkt;
    rd_kafka_t *rk = start(properties, property_count, topic, topic_handle, &state, &rkt, payload, size);
    if (!rk) { free(payload); free(scheduled); return result; }
    const double interval_ns = 1e9 / rate;
    uint64_t begin = now_ns();
    double cpu_start = thread_cpu_seconds();
    for (long i = 0; i < count; i++) {
        // Latency counts from the scheduled time, so a loop that falls behind is charged for it.
        scheduled[i] = begin + (uint64_t)((double)i * interval_ns);
        // Waits as the Swift pacer does: serving reports meanwhile, for a millisecond at most
        // at a time (poll returns at once when there are reports). A spinning pacer would take
        // one of the machine's two cores from librdkafka; a late one is charged for it.
        while (now_ns() < scheduled[i]) rd_kafka_poll(rk, 1);
        int32_t partition = partitions > 0 ? (int32_t)(i % partitions) : RD_KAFKA_PARTITION_UA;
        if (produce(rk, rkt, topic, partition, RD_KAFKA_MSG_F_COPY, payload, size, (void *)(size_t)(i + 1)) != RD_KAFKA_RESP_ERR_NO_ERROR) result.failed++;
        rd_kafka_poll(rk, 0);
    }
    result.loop_cpu_seconds = thread_cpu_seconds() - cpu_start;
    while (result.delivered + result.failed < count) rd_kafka_poll(rk, 10);
    result.seconds = (double)(now_ns() - begin) / 1e9;
    if (rkt) rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    free(payload);
    free(scheduled);
    return result;
}
