/* DEFINE: the program defines ifn_f as an IFUNC itself and calls libifnuse's use_ifn;
   otherwise it calls libifndef's def_entry. Prints "started" once that returned 0. */
#include <stdio.h>
#ifdef DEFINE
static int ifn_impl(void) { return 0; }
static void *ifn_resolve(void) { return (void *)ifn_impl; }
int ifn_f(void) __attribute__((ifunc("ifn_resolve")));
int use_ifn(void);
int main(void) { if (use_ifn() == 0) puts("started"); return 0; }
#else
int def_entry(void);
int main(void) { if (def_entry() == 0) puts("started"); return 0; }
#endif
