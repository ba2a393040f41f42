// Why a new thread is kept off its creator's CPU: include/CThread.h.
#define _GNU_SOURCE
#include "CThread.h"

#include <errno.h>
#include <sched.h>
#include <unistd.h>

// The CPUs online, at least 1.
static int online_cpus(void) {
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 1 ? (int)online : 1;
}

#ifdef __linux__
int ofdoctor_usable_cpus(void) {
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
        int count = CPU_COUNT(&allowed);
        if (count > 0) return count;
    }
    return online_cpus();
}

int ofdoctor_thread_start_beside(pthread_t *thread, void *(*body)(void *), void *context, int *avoided_cpu) {
    *avoided_cpu = -1;
    cpu_set_t allowed;
    int here = sched_getcpu();
    // A mask wider than cpu_set_t (over 1,024 CPUs) fails to read: a plain start then.
    if (here < 0 || here >= CPU_SETSIZE || sched_getaffinity(0, sizeof allowed, &allowed) != 0
        || !CPU_ISSET(here, &allowed) || CPU_COUNT(&allowed) < 2) {
        return pthread_create(thread, NULL, body, context);
    }
    pthread_attr_t attributes;
    if (pthread_attr_init(&attributes) != 0) return pthread_create(thread, NULL, body, context);
    CPU_CLR(here, &allowed);
    int started;
    if (pthread_attr_setaffinity_np(&attributes, sizeof allowed, &allowed) == 0) {
        started = pthread_create(thread, &attributes, body, context);
        if (started == 0) *avoided_cpu = here;
    } else {
        started = pthread_create(thread, NULL, body, context);
    }
    pthread_attr_destroy(&attributes);
    return started;
}

int ofdoctor_thread_unpin(pthread_t thread) {
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return errno;
    return pthread_setaffinity_np(thread, sizeof allowed, &allowed);
}
#else
// No affinity interface: the CPUs online, and threads wherever the scheduler puts them.
int ofdoctor_usable_cpus(void) {
    return online_cpus();
}

int ofdoctor_thread_start_beside(pthread_t *thread, void *(*body)(void *), void *context, int *avoided_cpu) {
    *avoided_cpu = -1;
    return pthread_create(thread, NULL, body, context);
}

int ofdoctor_thread_unpin(pthread_t thread) {
    (void)thread;
    return 0;
}
#endif
