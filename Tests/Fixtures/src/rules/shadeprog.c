/* Calls libshade's shade_a and shade_c (SHADE_1.0, SHADE_2.0) directly, or through
   libshadevia's via() (-DVIA); prints "started" once they answered. */
#include <stdio.h>
#ifdef VIA
int via(void);
int main(void) { if (via() == 4) puts("started"); return 0; }
#else
int shade_a(void), shade_c(void);
int main(void) { if (shade_a() + shade_c() == 4) puts("started"); return 0; }
#endif
