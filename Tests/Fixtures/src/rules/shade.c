/* libshade.so.1 and libtint.so.1: versioned libraries (shade.map / tint.map). Built with
 * -DOLD they are the older releases that define only the first version node: put ahead of
 * the system's copies on LD_LIBRARY_PATH, they shadow them. */
#ifdef TINT
int tint_one(void) { return 1; }
#ifndef OLD
int tint_two(void) { return 2; }
int tint_three(void) { return 3; }
#endif
#else
int shade_a(void) { return 1; }
int shade_b(void) { return 2; }
#ifndef OLD
int shade_c(void) { return 3; }
int shade_d(void) { return 4; }
int shade_e(void) { return 5; }
int shade_f(void) { return 6; }
#endif
#endif
