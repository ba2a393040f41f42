/* libleaf.so.1: says which copy was loaded (-DWHERE="..."). */
const char *leaf(void) { return WHERE; }
