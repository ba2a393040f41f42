/* One of OpenFace's own libraries (libLandmarkDetector.so, ...): the exported
 * entry point's name comes from -DENTRY=... */
int ENTRY(void) { return 1; }
