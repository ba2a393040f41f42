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
// And one for speed:
// - malloc hands out large blocks (a closure's reference and index arrays) from the heap,
//   not a fresh mapping each: freed, their pages are reused instead of unmapped and faulted
//   in again (a page fault costs microseconds in a virtual machine; a check of a
//   60-library closure made ~100 of them).
// A constructor with a priority runs before every one without (the runtime's C++ globals).
#include "CStartup.h"

#include <stdlib.h>
#include <sys/auxv.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

// The runtime's override for CommandLine.arguments (swiftcall; for two arguments this is
// the C convention). Weak: a runtime without it leaves the arguments to the runtime.
extern void _swift_stdlib_overrideUnsafeArgvArgc(char **argv, int argc)
    __attribute__((swiftcall, weak));

static OfdoctorStartup record;

__attribute__((constructor(101)))
static void ofdoctor_before_runtime(int argc, char **argv, char **envp) {
    (void)envp;
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
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
