// SPDX-License-Identifier: BSD-2-Clause
#include "config.h"
#include <errno.h>
#include "options.h"
#include "exec.h"
#include "notify.h"
#include "report.h"
#include "supervise.h"
noreturn void
supervise_run(const struct options *o, int reportfd, struct prepared *p,
    struct notify *n)
{
	(void)p; (void)n;
	report_fail(o, reportfd, &(struct report){.stage = STAGE_SUPERVISE, .err = ENOSYS});
}
