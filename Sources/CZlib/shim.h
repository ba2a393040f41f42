#ifndef OFDOCTOR_CZLIB_SHIM_H
#define OFDOCTOR_CZLIB_SHIM_H
#include <zlib.h>

/* inflateInit2 is a macro (it passes the library version and the stream size), so Swift
   cannot call it: this wrapper does. windowBits as zlib.h documents (-15 raw deflate,
   15 + 16 gzip). */
static inline int ofdoctor_inflate_init2(z_stream *stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}

/* deflateInit2 is a macro too; Z_DEFLATED and Z_DEFAULT_STRATEGY as zlib.h documents. */
static inline int ofdoctor_deflate_init2(z_stream *stream, int level, int windowBits, int memLevel) {
    return deflateInit2(stream, level, Z_DEFLATED, windowBits, memLevel, Z_DEFAULT_STRATEGY);
}
#endif
