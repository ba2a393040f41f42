/* libwebp stand-in (libwebp.so.6 = 0.6.x, libwebp.so.7 = 1.x; -DWEBP7 adds
 * what only the newer one has).  Real libwebp has no symbol versioning. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
int WebPGetInfo(const uint8_t *data, size_t size, int *w, int *h) { (void)data; (void)size; *w = *h = 1; return 1; }
uint8_t *WebPDecodeBGR(const uint8_t *data, size_t size, int *w, int *h) { (void)data; (void)size; *w = *h = 1; return malloc(3); }
size_t WebPEncodeBGR(const uint8_t *bgr, int w, int h, int stride, float q, uint8_t **out) { (void)bgr; (void)w; (void)h; (void)stride; (void)q; *out = 0; return 0; }
void WebPFree(void *p) { free(p); }
#ifdef WEBP7
void *WebPAnimEncoderNew(int w, int h, const void *opts) { (void)opts; return w + h >= 0 ? malloc(1) : 0; }
#endif
