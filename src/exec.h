/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The last steps before the command: exec_command() runs in the daemon
 * (plain mode) or in a supervised child, applies the execution environment,
 * credentials, descriptors and signal state that struct prepared and the
 * options describe, then execve(2)s.  It never returns: a failure is sent
 * down reportfd (or, with --foreground, printed) and the process exits.
 * A supervised child first sends STAGE_CHILD, so that its supervisor can
 * tell a successful exec (EOF after it) from a child that died before.
 * signals_reset() sets every ignored disposition back to SIG_DFL (all of
 * them unless use_proc lets it read which) and empties the signal mask,
 * as a clean shell would leave them.
 */
#ifndef EXEC_H
#define EXEC_H

#include <sys/types.h>
#include <stdbool.h>
#include <stdnoreturn.h>

#include "redirect.h"

struct options;

/* What setup_process() prepared in the process that keeps the locks. */
struct prepared {
	int pidfile_fd;		/* -1, or the pidfile this process holds locked */
	int lockfile_fd;	/* -1, or a separate lockfile held locked */
	bool lockfile_created;	/* ... which this start created */
	struct stdio_files io;	/* to become 0, 1 and 2 */
	int pdeathsig;		/* supervised child: PR_SET_PDEATHSIG, or 0 */
	pid_t parent;		/* ... and the supervisor it must still have */
};

int signals_reset(bool use_proc);
noreturn void exec_command(const struct options *o, int reportfd,
    const struct prepared *p);

#endif
