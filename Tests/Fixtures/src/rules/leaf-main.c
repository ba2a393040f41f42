/* A program that is put where a library is expected (the mapped-* rule roots). */
int main(void) { return 0; }
