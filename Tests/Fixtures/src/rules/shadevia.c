/* libshadevia.so.1: needs libshade's SHADE_1.0 and SHADE_2.0 (its DT_VERNEED). */
int shade_a(void), shade_c(void);
int via(void) { return shade_a() + shade_c(); }
