// SPDX-License-Identifier: BSD-2-Clause
/*
 * nosys COMMAND [ARG...]: run COMMAND as on a kernel before 5.3.  A
 * seccomp(2) filter makes pidfd_open, pidfd_send_signal, close_range and
 * openat2 fail with ENOSYS in COMMAND and everything it starts; the test
 * suite runs its control, readiness and supervision tests a second time
 * through it.  "nosys --check" exits 0 when the filter works (pidfd_open
 * and close_range then fail with ENOSYS), 1 otherwise.
 *
 * nosys --pdeathsig=eperm|kill COMMAND [ARG...]: instead, the supervised
 * child's first step, prctl(PR_SET_PDEATHSIG, SIGTERM), fails with EPERM
 * or kills the child before it can say anything: supervise.bats checks
 * that neither start is taken for a running command.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__)
#define AUDIT_ARCH_HERE AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AUDIT_ARCH_HERE AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define AUDIT_ARCH_HERE AUDIT_ARCH_I386
#else
#error "nosys: add this architecture's AUDIT_ARCH_ value"
#endif

/* The same numbers on every architecture (the unified table, 424+). */
#define NR_PIDFD_SEND_SIGNAL 424
#define NR_PIDFD_OPEN 434
#define NR_CLOSE_RANGE 436
#define NR_OPENAT2 437

#define DENY(nr) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS)

/* Load one filter; root needs no no_new_privs (which would change -u). */
static int
load(struct sock_filter *f, unsigned short len)
{
	struct sock_fprog prog = {.len = len, .filter = f};

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0)
		return (0);
	if (errno != EACCES || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return (-1);
	return (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog));
}

/*
 * prctl(PR_SET_PDEATHSIG, SIGTERM) gets action; the sanitizers' own
 * PR_SET_PDEATHSIG (SIGKILL) passes.  The low halves of the arguments:
 * every architecture above is little-endian.
 */
static int
install_pdeathsig(unsigned action)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_HERE, 0, 7),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 0, 5),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_PDEATHSIG, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SIGTERM, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, action),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};

	return (load(f, sizeof(f) / sizeof(f[0])));
}

static int
install(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_HERE, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		DENY(NR_PIDFD_SEND_SIGNAL),
		DENY(NR_PIDFD_OPEN),
		DENY(NR_CLOSE_RANGE),
		DENY(NR_OPENAT2),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};

	return (load(f, sizeof(f) / sizeof(f[0])));
}

int
main(int argc, char *argv[])
{
	unsigned action = 0;
	int rc;

	if (argc > 2 && strcmp(argv[1], "--pdeathsig=eperm") == 0)
		action = SECCOMP_RET_ERRNO | EPERM;
	else if (argc > 2 && strcmp(argv[1], "--pdeathsig=kill") == 0)
		action = SECCOMP_RET_KILL_PROCESS;
	/* The killed child dumps no core into the caller's directory. */
	if (action != 0 && setrlimit(RLIMIT_CORE,
	    &(struct rlimit){0, 0}) == 0)
		argv++;
	else if (argc < 2) {
		fprintf(stderr, "usage: nosys --check | "
		    "[--pdeathsig=eperm|kill] command [arg ...]\n");
		return (2);
	}
	rc = action != 0 ? install_pdeathsig(action) : install();
	if (rc == -1) {
		fprintf(stderr, "nosys: install seccomp filter: %s\n",
		    strerror(errno));
		return (1);
	}
	if (strcmp(argv[1], "--check") == 0)
		return (syscall(NR_PIDFD_OPEN, getpid(), 0) == -1 &&
		    errno == ENOSYS && syscall(NR_CLOSE_RANGE, 1000, 1000,
		    0) == -1 && errno == ENOSYS && syscall(NR_OPENAT2,
		    AT_FDCWD, "/", NULL, 0) == -1 && errno == ENOSYS ? 0 : 1);
	execvp(argv[1], argv + 1);
	fprintf(stderr, "nosys: exec %s: %s\n", argv[1], strerror(errno));
	return (127);
}
