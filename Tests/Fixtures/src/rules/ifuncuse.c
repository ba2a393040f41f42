/* libifnuse.so.1: calls ifn_f, an IFUNC defined elsewhere (linked with -z now: bound at start-up). */
int ifn_f(void);
int use_ifn(void) { return ifn_f(); }
