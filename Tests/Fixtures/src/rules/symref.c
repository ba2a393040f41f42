/* libsymref.so.1: takes sym_fn's address through its GOT (a GLOB_DAT relocation, no PLT
   slot), the way a library keeps a callback. */
int sym_fn(void);
int (*symref_fn(void))(void) { return sym_fn; }
