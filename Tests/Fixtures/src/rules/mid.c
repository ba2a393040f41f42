/* libmid.so.1: NEEDS libleaf.so.1, so libleaf is a grandchild of the program. */
const char *leaf(void);
const char *mid(void) { return leaf(); }
