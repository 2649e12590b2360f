/* Exits 0 when a writable+executable mapping is refused: proves mdwe-exec's filter is active. */
#include <stdio.h>
#include <sys/mman.h>
int main(void) {
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { puts("W+X mapping refused"); return 0; }
    puts("W+X mapping allowed"); return 1;
}
