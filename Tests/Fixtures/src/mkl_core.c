/* libmkl_core.so.2 stand-in: loads the CPU-specific kernel library from its
 * own directory at initialisation. */
#include "mkl_load.h"
static int anchor;
int mkl_serv_init(void) { mkl_load_beside(&anchor, "libmkl_def.so.2"); return 0; }
