/* vdsoprog: linked against the kernel's vDSO image, calls its __vdso_time (LINUX_2.6). */
#include <stdio.h>
long __vdso_time(long *);
const char *leaf(void);
int main(void) { printf("leaf from: %s, vdso time %s\n", leaf(), __vdso_time(0) > 0 ? "ok" : "zero"); return 0; }
