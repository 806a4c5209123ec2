// librdkafka's public C API and its in-process mock cluster, as installed by librdkafka-dev.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

// Names the calling thread as `top -H` and profilers show it (at most 15 bytes): Foundation's
// `Thread.name` does not reach it on Linux, and the variadic prctl cannot be called from Swift.
#include <sys/prctl.h>
static inline void crdkafka_name_this_thread(const char *name) { (void)prctl(PR_SET_NAME, name, 0, 0, 0); }
