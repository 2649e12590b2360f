/*
 * mdwe-exec: run a command under the seccomp filter that systemd's MemoryDenyWriteExecute=yes
 * installs (systemd 252, src/shared/seccomp-util.c, seccomp_memory_deny_write_execute):
 *   mmap(..., prot & (PROT_WRITE|PROT_EXEC) == PROT_WRITE|PROT_EXEC, ...)   -> EPERM
 *   mprotect / pkey_mprotect(..., prot & PROT_EXEC, ...)                    -> EPERM
 *   shmat(..., shmflg & SHM_EXEC)                                           -> EPERM
 * deploy/check.sh uses it to show that the postwatch binary runs with W^X enforced, which
 * postwatch.service asks for, on a machine without systemd as PID 1.
 * Build: cc -O2 -o mdwe-exec mdwe-exec.c -lseccomp
 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: mdwe-exec COMMAND [ARG...]\n");
        return 2;
    }
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (ctx == NULL) {
        perror("seccomp_init");
        return 2;
    }
    int rc = 0;
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mmap), 1,
                           SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC | PROT_WRITE, PROT_EXEC | PROT_WRITE));
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mprotect), 1,
                           SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC));
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(pkey_mprotect), 1,
                           SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC));
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(shmat), 1,
                           SCMP_A2(SCMP_CMP_MASKED_EQ, SHM_EXEC, SHM_EXEC));
    if (rc != 0) {
        fprintf(stderr, "mdwe-exec: seccomp_rule_add failed\n");
        return 2;
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        perror("prctl(PR_SET_NO_NEW_PRIVS)");
        return 2;
    }
    if (seccomp_load(ctx) != 0) {
        fprintf(stderr, "mdwe-exec: seccomp_load failed\n");
        return 2;
    }
    seccomp_release(ctx);
    execvp(argv[1], argv + 1);
    perror("execvp");
    return 127;
}
