#ifndef OFDOCTOR_CSTARTUP_H
#define OFDOCTOR_CSTARTUP_H

/// What the start-up constructor saw and did before the Swift runtime started.
typedef struct {
    /// `/proc/self/exe` could not be read: no /proc (a rescue chroot) or it is hidden.
    int procUnavailable;
    /// The constructor set `SWIFT_ROOT=/` and `SWIFT_BACKTRACE=enable=no` so the runtime could start.
    int disabledBacktracer;
    /// The constructor handed `argv` to the runtime (CommandLine.arguments).
    int keptArguments;
} OfdoctorStartup;

/// The start-up record; call once at the top of `main`. When the constructor set
/// `SWIFT_ROOT` and `SWIFT_BACKTRACE` they are unset again here, so programs ofdoctor runs do not inherit it.
OfdoctorStartup ofdoctor_startup(void);

/// Where the kernel mapped this process's vDSO (`AT_SYSINFO_EHDR` of the auxiliary
/// vector), 0 when it mapped none.
unsigned long ofdoctor_vdso_address(void);

#endif
