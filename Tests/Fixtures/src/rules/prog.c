/* prog: prints which libleaf.so.1 it got (directly, or through libmid with -DVIA_MID). */
#include <stdio.h>
#ifdef VIA_MID
const char *mid(void);
#define leaf mid
#else
const char *leaf(void);
#endif
int main(void) { printf("leaf from: %s\n", leaf()); return 0; }
