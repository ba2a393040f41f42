/* libopencv_core.so.406 stand-in */
int cv_getVersionMajor(void) { return 4; }
