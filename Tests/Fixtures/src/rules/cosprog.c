/* cosprog: calls libm's cos (a need of libm.so.6's GLIBC_2.2.5) and libleaf's leaf. */
#include <math.h>
#include <stdio.h>
const char *leaf(void);
int main(int argc, char **argv) { (void)argv; printf("leaf from: %s, cos %.1f\n", leaf(), cos(argc - 1)); return 0; }
