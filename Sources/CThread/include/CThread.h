#ifndef OFDOCTOR_CTHREAD_H
#define OFDOCTOR_CTHREAD_H
#include <pthread.h>

/* How many CPUs the calling thread may run on: its affinity mask (taskset, a container's
   cpuset), else the CPUs online; at least 1. */
int ofdoctor_usable_cpus(void);

/* pthread_create(thread, NULL, body, context), except that the new thread may run on every
   CPU the caller may run on but the one it runs on now, when there is another; that CPU is
   stored in *avoided_cpu (-1 when none was left out). Work split in two only gains when the
   halves run on two CPUs, and a scheduler that packs threads onto few virtual CPUs (as this
   project's machines do) queues a new or woken thread behind its creator while the other
   CPU idles. A plain start when the CPUs cannot be read or set. Returns pthread_create's
   result. */
int ofdoctor_thread_start_beside(pthread_t *thread, void *(*body)(void *), void *context, int *avoided_cpu);

/* Lets a thread started beside its creator run on every CPU the caller may run on again: its
   creator calls this before it waits for the thread, so that, should the other CPU be busy,
   the kernel may move the thread to the one its creator is leaving. Returns 0 or an errno. */
int ofdoctor_thread_unpin(pthread_t thread);

#endif
