/* libifndef.so.1: defines ifn_f as an IFUNC (a resolver picks the implementation) and
   calls libifnuse's use_ifn, which binds ifn_f back. */
static int ifn_impl(void) { return 0; }
static void *ifn_resolve(void) { return (void *)ifn_impl; }
int ifn_f(void) __attribute__((ifunc("ifn_resolve")));
int use_ifn(void);
int def_entry(void) { return use_ifn(); }
