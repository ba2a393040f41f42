/* The program of the shadowing root: calls each consumer library. */
#include <stdio.h>
int user1(void), user2(void), user3(void);
int main(void) { printf("users: %d\n", user1() + user2() + user3()); return 0; }
