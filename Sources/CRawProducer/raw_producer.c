// The reference for kafka-bench: the same work as the Swift producer, in plain C.
#include "raw_producer.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *message, void *opaque) {
    (void)rk;
    raw_producer_result *result = opaque;
    if (message->err) result->failed++; else result->delivered++;
}

static double thread_cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

raw_producer_result raw_producer_run(const char *const *properties, size_t property_count,
                                     const char *topic, long count, size_t size, int topic_handle, int copy) {
    raw_producer_result result;
    memset(&result, 0, sizeof result);
    char errstr[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    for (size_t i = 0; i + 1 < property_count; i += 2) {
        if (rd_kafka_conf_set(conf, properties[i], properties[i + 1], errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
            snprintf(result.error, sizeof result.error, "%s: %s", properties[i], errstr);
            rd_kafka_conf_destroy(conf);
            return result;
        }
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, &result);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) {
        snprintf(result.error, sizeof result.error, "rd_kafka_new: %s", errstr);
        return result;
    }
    rd_kafka_topic_t *rkt = NULL;
    if (topic_handle && !(rkt = rd_kafka_topic_new(rk, topic, NULL))) {
        snprintf(result.error, sizeof result.error, "rd_kafka_topic_new: %s", rd_kafka_err2str(rd_kafka_last_error()));
        rd_kafka_destroy(rk);
        return result;
    }
    char *payload = malloc(size);
    memset(payload, 'x', size);
    const int flags = copy ? RD_KAFKA_MSG_F_COPY : 0;
    double start = now_seconds();
    double cpu_start = thread_cpu_seconds();
    for (long i = 0; i < count; i++) {
        for (;;) {
            rd_kafka_resp_err_t err;
            if (rkt)
                err = rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, flags, payload, size, NULL, 0, NULL) == 0
                          ? RD_KAFKA_RESP_ERR_NO_ERROR : rd_kafka_last_error();
            else
                err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(payload, size),
                                        RD_KAFKA_V_MSGFLAGS(flags), RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) { result.failed++; break; }
            rd_kafka_poll(rk, 10);
        }
        rd_kafka_poll(rk, 0);
    }
    result.loop_cpu_seconds = thread_cpu_seconds() - cpu_start;
    while (result.delivered + result.failed < count) rd_kafka_poll(rk, 10);
    result.seconds = now_seconds() - start;
    free(payload);
    if (rkt) rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    return result;
}
