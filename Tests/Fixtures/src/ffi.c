/* libffi stand-in; exported symbols and their versions come from a version
 * script (ffi-3.3.map, ffi-3.4.map, or both for Anaconda's 3.4 build). */
#include <string.h>
typedef struct { unsigned long size; unsigned short alignment, type; void **elements; } ffi_type;
ffi_type ffi_type_void = {1, 1, 0, 0}, ffi_type_uint32 = {4, 4, 9, 0}, ffi_type_sint32 = {4, 4, 10, 0},
         ffi_type_pointer = {8, 8, 14, 0};
int ffi_prep_cif(void *c) { memset(c, 0, 1); return 0; }
void ffi_call(void *c) { (void)c; }
int ffi_prep_closure_loc(void *c) { return c != 0; }
