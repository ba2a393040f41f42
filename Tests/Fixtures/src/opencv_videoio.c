/* libopencv_videoio.so.406 stand-in: its GStreamer backend pulls in libgobject. */
int g_type_init(void);
int cv_videoio_registry_getBackends(void) { return g_type_init(); }
