// Runs before the Swift runtime. The first two so that the static ofdoctor starts in a
// chroot without /proc (a rescue chroot):
// - At start-up the runtime locates its helper (swift-backtrace) under its root path, which
//   it derives from its own path; a static binary learns that through /proc/self/exe, and
//   without it the runtime aborts ("Unable to obtain Swift runtime path") before main —
//   even with the backtracer disabled. SWIFT_ROOT names the root path instead, so it is
//   set (to /), and the backtracer is turned off: without /proc it has nothing to inspect.
//   Both only when the user set neither, and both are unset again at the top of main.
// - CommandLine.arguments is read back from the initial stack found through
//   /proc/self/maps; without it the arguments are lost. glibc passes argc/argv/envp to
//   .init_array functions, so they are kept here and handed to the runtime's override.
// And two for speed, where a page fault costs a microsecond (a virtual machine: 1.1 µs a
// 4 KiB page here, 1.05 µs even when a range is populated in one call, and 0.15 µs a page
// when the kernel backs the range with one 2 MiB transparent huge page):
// - malloc hands out large blocks (a closure's reference and index arrays) from the heap,
//   not a fresh mapping each: freed, their pages are reused instead of unmapped and faulted
//   in again (a check of a 60-library closure made ~100 such faults).
// - The heap's first 64 MiB are reserved at once, start on a 2 MiB boundary and are advised
//   to be huge pages, and the resolver's second thread allocates from the same heap (one
//   arena): page faults of a 101-library check 570 → 270, of gdb's 57 libraries 970 → 380,
//   of 5,000 libraries 8,500 → 290. Nothing is touched ahead: the kernel backs a 2 MiB block
//   when it is first written, so resident memory grows by at most one partly used block.
//   Without transparent huge pages (disabled, or no kernel support) the advice is ignored
//   and the heap behaves as before.
// A constructor with a priority runs before every one without (the runtime's C++ globals).
#include "CStartup.h"

#include <stdlib.h>
#include <sys/auxv.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#endif

// The runtime's override for CommandLine.arguments (swiftcall; for two arguments this is
// the C convention). Weak: a runtime without it leaves the arguments to the runtime.
extern void _swift_stdlib_overrideUnsafeArgvArgc(char **argv, int argc)
    __attribute__((swiftcall, weak));

static OfdoctorStartup record;

#ifdef __GLIBC__
enum { hugePage = 2 << 20, heapReserve = 64 << 20 };

/// What is left of the heap's first extension, free at its top (malloc's keep cost).
static size_t heap_top_left(void) {
#if __GLIBC_PREREQ(2, 33)
    return mallinfo2().keepcost;
#else
    return (size_t)(unsigned)mallinfo().keepcost;
#endif
}

/// The heap's next extension, made to start just below a 2 MiB boundary and to reserve
/// `heapReserve` bytes, advised as transparent huge pages from the boundary on. malloc
/// writes a chunk's header where the chunk starts and its remainder's where it ends: the
/// first allocation of the extension is kept small and below the boundary, so no small page
/// of the advised range is touched before the advice (one would keep its 2 MiB block out
/// of a huge page).
static void ofdoctor_reserve_heap(void) {
    // Reserved address space counts against a limit on it or on the data segment (`ulimit
    // -v`, `-d`) whether touched or not: under one, libraries that fitted before would no
    // longer map. Then the heap is left as it is.
    struct rlimit space, data;
    if (getrlimit(RLIMIT_AS, &space) != 0 || space.rlim_cur != RLIM_INFINITY
        || getrlimit(RLIMIT_DATA, &data) != 0 || data.rlim_cur != RLIM_INFINITY) return;
    // The glibc start-up's own extension (~132 KiB, mostly untouched) is taken whole, so the
    // next allocation extends the heap; its pages are never touched, so they cost nothing.
    size_t left = heap_top_left();
    if (left > (1 << 20)) return;   // not the heap a process starts with: leave it alone
    if (left > 128) {
        void *rest = malloc(left - 64);
        __asm__ volatile("" : : "r"(rest) : "memory");   // kept: the compiler may not drop it
    }
    char *current = sbrk(0);
    if (current == (void *)-1) return;
    uintptr_t boundary = ((uintptr_t)current + 64 + hugePage - 1) & ~(uintptr_t)(hugePage - 1);
    if (sbrk((intptr_t)(boundary - 64 - (uintptr_t)current)) == (void *)-1) return;
    mallopt(M_TOP_PAD, heapReserve);
    mallopt(M_ARENA_MAX, 1);
    // A few bytes at a time until one moves the break: a 32-byte chunk at boundary - 64.
    for (int k = 0; k < 8 && (uintptr_t)sbrk(0) == boundary - 64; k++) {
        void *first = malloc(1);
        __asm__ volatile("" : : "r"(first) : "memory");
    }
    uintptr_t end = (uintptr_t)sbrk(0);
    if (end >= boundary + hugePage) {
        madvise((void *)boundary, (end - boundary) & ~(uintptr_t)(hugePage - 1), MADV_HUGEPAGE);
    }
    // Only this extension is so large: later ones pad as malloc's default does (128 KiB),
    // and the reserve is not given back while it is free (a trimmed and regrown heap is no
    // longer advised).
    mallopt(M_TOP_PAD, 128 << 10);
    mallopt(M_TRIM_THRESHOLD, 2 * heapReserve);
}
#endif

__attribute__((constructor(101)))
static void ofdoctor_before_runtime(int argc, char **argv, char **envp) {
    (void)envp;
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    ofdoctor_reserve_heap();
#endif
    char target[2];
    record.procUnavailable = readlink("/proc/self/exe", target, sizeof target) < 0;
    if (record.procUnavailable && getenv("SWIFT_BACKTRACE") == NULL && getenv("SWIFT_ROOT") == NULL) {
        record.disabledBacktracer = setenv("SWIFT_ROOT", "/", 0) == 0 && setenv("SWIFT_BACKTRACE", "enable=no", 0) == 0;
    }
    if (_swift_stdlib_overrideUnsafeArgvArgc != NULL && argv != NULL && argc > 0) {
        _swift_stdlib_overrideUnsafeArgvArgc(argv, argc);
        record.keptArguments = 1;
    }
}

static int environmentRestored;

OfdoctorStartup ofdoctor_startup(void) {
    if (record.disabledBacktracer && !environmentRestored) {
        unsetenv("SWIFT_BACKTRACE");
        unsetenv("SWIFT_ROOT");
        environmentRestored = 1;
    }
    return record;
}

unsigned long ofdoctor_vdso_address(void) {
    return getauxval(AT_SYSINFO_EHDR);
}
