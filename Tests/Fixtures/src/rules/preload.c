/* libpreload.so: interposes leaf() when named in LD_PRELOAD. */
const char *leaf(void) { return "LD_PRELOAD"; }
