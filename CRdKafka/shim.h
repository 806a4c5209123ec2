// librdkafka's public C API and its in-process mock cluster, as installed by librdkafka-dev.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
