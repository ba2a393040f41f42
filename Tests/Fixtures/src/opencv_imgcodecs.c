/* libopencv_imgcodecs.so.406 stand-in: imports libwebp's decoder/encoder as
 * OpenCV's grfmt_webp.cpp does.  With -DWEBP_ANIM it also calls a function that
 * only libwebp.so.7 defines, so a libwebp.so.7 -> libwebp.so.6 link is not enough. */
#include <stddef.h>
#include <stdint.h>
int WebPGetInfo(const uint8_t *data, size_t size, int *w, int *h);
uint8_t *WebPDecodeBGR(const uint8_t *data, size_t size, int *w, int *h);
size_t WebPEncodeBGR(const uint8_t *bgr, int w, int h, int stride, float q, uint8_t **out);
void WebPFree(void *p);
#ifdef WEBP_ANIM
void *WebPAnimEncoderNew(int w, int h, const void *opts);
#endif
int cv_haveImageReader(void) {
  int w = 0, h = 0; uint8_t *out = 0;
  int ok = WebPGetInfo((const uint8_t *)"RIFF", 4, &w, &h);
  WebPFree(WebPDecodeBGR((const uint8_t *)"RIFF", 4, &w, &h));
  ok += (int)WebPEncodeBGR((const uint8_t *)"", 0, 0, 0, 75.f, &out);
#ifdef WEBP_ANIM
  ok += WebPAnimEncoderNew(w, h, 0) != 0;
#endif
  return ok;
}
