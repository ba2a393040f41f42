/* How Intel MKL's libmkl_rt.so.2 finds the rest of its family: it asks dladdr
 * for the path it was itself loaded from (the link map's l_name: the name the
 * loader found it under, NOT its realpath), takes that directory, and dlopens
 * each companion there by absolute path.  A libmkl_rt.so.2 symlinked alone into
 * another directory therefore looks for libmkl_core.so.2 beside the link. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void mkl_fatal(const char *name) {
  fprintf(stderr, "INTEL MKL ERROR: %s.\n", dlerror());
  fprintf(stderr, "Intel MKL FATAL ERROR: Cannot load %s.\n", name);
  exit(2);
}

/* dlopen NAME from the directory this object was loaded from. */
static void *mkl_load_beside(const void *anchor, const char *name) {
  Dl_info info;
  char path[4096];
  const char *dir = ".";
  size_t len = 1;
  if (dladdr(anchor, &info) && info.dli_fname) {
    const char *slash = strrchr(info.dli_fname, '/');
    if (slash) { dir = info.dli_fname; len = (size_t)(slash - info.dli_fname); }
  }
  snprintf(path, sizeof path, "%.*s/%s", (int)len, dir, name);
  void *h = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
  if (!h) mkl_fatal(name);
  return h;
}

/* dlopen NAME through the loader's search path (no directory), as the
 * threading layer does for its OpenMP runtime. */
static void *mkl_load_searched(const char *name) {
  void *h = dlopen(name, RTLD_NOW | RTLD_GLOBAL);
  if (!h) mkl_fatal(name);
  return h;
}
