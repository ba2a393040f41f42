/* /launch [-i] [-e NAME=VALUE]... PROGRAM ARGV0 [ARGS...]
 * Execs PROGRAM with argv[0] = ARGV0, as a shell does after a PATH lookup (the
 * loader prints argv[0] in its messages).  With -i or -e the environment is
 * exactly the -e variables; otherwise it is inherited.  Linked -static and placed
 * in the root, so that the environment (LD_PRELOAD, LD_LIBRARY_PATH) reaches only
 * the program and its loader, never a dynamic helper such as chroot(8). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
extern char **environ;
int main(int argc, char **argv) {
  static char *env[256];
  int n = 0, i = 1, own = 0;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "-i") == 0) { own = 1; continue; }
    if (strcmp(argv[i], "-e") != 0 || i + 1 >= argc) break;
    own = 1;
    if (n + 1 >= (int)(sizeof env / sizeof *env)) { fprintf(stderr, "/launch: too many -e\n"); return 125; }
    env[n++] = argv[++i];
  }
  if (argc - i < 2) { fprintf(stderr, "usage: /launch [-i] [-e NAME=VALUE]... PROGRAM ARGV0 [ARGS...]\n"); return 125; }
  env[n] = 0;
  execve(argv[i], argv + i + 1, own ? env : environ);
  perror(argv[i]);
  return 127;
}
