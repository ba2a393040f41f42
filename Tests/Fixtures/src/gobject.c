/* libgobject-2.0.so.0 stand-in: reads ffi_type_uint32 as data (an
 * R_X86_64_GLOB_DAT relocation, bound at startup even with lazy binding) and
 * calls into libffi, as gclosure.c does. */
typedef struct { unsigned long size; unsigned short alignment, type; void **elements; } ffi_type;
extern ffi_type ffi_type_uint32, ffi_type_pointer;
int ffi_prep_cif(void *); void ffi_call(void *); int ffi_prep_closure_loc(void *);
int g_type_init(void) {
  char c[64]; ffi_prep_cif(c); ffi_call(c); ffi_prep_closure_loc(c);
  return (int)(ffi_type_uint32.size + ffi_type_pointer.size);
}
