/* libsym.so.1 for the symbol-lookup rule roots: what it defines is chosen at build time.
   HAS_DATA: sym_data (an object a program copies); HAS_FN: sym_fn. sym_old always.
   PROTECTED: both protected (STV_PROTECTED), and read by the library itself (its own
   references then bind to its own definitions). DATA_WORDS: sym_data an int array. */
#ifdef PROTECTED
#define VISIBILITY __attribute__((visibility("protected")))
#else
#define VISIBILITY
#endif
int sym_old(void) { return 0; }
#ifdef HAS_DATA
#ifdef DATA_WORDS
/* sym_data grown into an array: a program that copies the int it was gets the first word */
VISIBILITY int sym_data[DATA_WORDS] = {0};
int sym_data_read(void) { return sym_data[DATA_WORDS - 1]; }
#else
VISIBILITY int sym_data = 0;
int sym_data_read(void) { return sym_data; }
#endif
#endif
#ifdef HAS_FN
VISIBILITY int sym_fn(void) { return 0; }
int (*sym_fn_address(void))(void) { return sym_fn; }
#endif
