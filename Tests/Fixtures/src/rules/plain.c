/* libplain.so.1: no symbol versions. With -DOLD, the older build without plain_y. */
int plain_x(void) { return 1; }
#ifndef OLD
int plain_y(void) { return 2; }
#endif
