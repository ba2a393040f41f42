/* empty.c: a library with no code of its own, only a name to be found by. */
int empty_library_marker;
