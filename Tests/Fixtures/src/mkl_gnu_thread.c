/* libmkl_gnu_thread.so.2 stand-in: loads its OpenMP runtime by bare name,
 * through the loader's search path. */
#include "mkl_load.h"
int mkl_thread_init(void) { mkl_load_searched("libiomp5.so"); return 0; }
