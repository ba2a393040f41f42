/* libsym.so.1 for the symbol-lookup rule roots: what it defines is chosen at build time.
   HAS_DATA: sym_data (an object a program copies); HAS_FN: sym_fn. sym_old always. */
int sym_old(void) { return 0; }
#ifdef HAS_DATA
int sym_data = 0;
#endif
#ifdef HAS_FN
int sym_fn(void) { return 0; }
#endif
