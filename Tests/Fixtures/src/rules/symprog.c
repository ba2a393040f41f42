/* COPY: reads sym_data, which a non-PIC main program holds by a copy relocation.
   CANONICAL: takes sym_fn's address (non-PIE: an undefined symbol with a value, its PLT
   entry) and compares it with libsymref's; never calls it. */
#include <stdio.h>
#ifdef COPY
extern int sym_data;
int main(void) { if (sym_data == 0) puts("started"); return sym_data; }
#endif
#ifdef CANONICAL
int sym_fn(void);
int (*symref_fn(void))(void);
int main(void) { int (*own)(void) = sym_fn; if (own == symref_fn()) puts("started"); return 0; }
#endif
