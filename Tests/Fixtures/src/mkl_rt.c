/* libmkl_rt.so.2 stand-in: the single dynamic library, NEEDS only libdl.so.2 and
 * libc; at the first BLAS call it loads core, interface and threading layers
 * from its own directory. */
#include "mkl_load.h"
static int anchor;
static int interface_layer;
int MKL_Set_Interface_Layer(int layer) { interface_layer = layer; return layer; }
int cblas_sgemm(int m, int n, int k) {
  void *core = mkl_load_beside(&anchor, "libmkl_core.so.2");
  mkl_load_beside(&anchor, "libmkl_intel_lp64.so.2");
  void *thread = mkl_load_beside(&anchor, "libmkl_gnu_thread.so.2");
  int (*serv_init)(void) = (int (*)(void))dlsym(core, "mkl_serv_init");
  int (*thread_init)(void) = (int (*)(void))dlsym(thread, "mkl_thread_init");
  if (!serv_init || !thread_init) { fprintf(stderr, "Intel MKL FATAL ERROR: Cannot load libmkl_core.so.2.\n"); exit(2); }
  return serv_init() + thread_init() + m * n * k + interface_layer;
}
