/* libuseN.so.1 (N = USER): consumers of libshade, libtint and libplain, each needing
 * different symbols at different versions. */
int shade_a(void), shade_c(void), shade_d(void), shade_e(void), shade_f(void);
int tint_one(void), tint_two(void), tint_three(void);
int plain_x(void), plain_y(void);
#if USER == 1
int user1(void) { return shade_a() + shade_c() + shade_f() + tint_two() + plain_y(); }
#elif USER == 2
int user2(void) { return shade_d() + shade_e() + tint_three() + plain_x(); }
#else
int user3(void) { return shade_c() + shade_a(); }
#endif
