// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for the pure value parsers of src/parse.c.  One source,
 * one binary per parser: FUZZ_PARSER names the parser at compile time
 * (make fuzz builds fuzz_umask, fuzz_signal, ...).  The input, cut at its
 * first NUL as argv would cut it, is copied to a buffer of exactly its
 * size so that ASan sees any read past the terminator.  Besides crashes it
 * checks the parsers' contract: a result in range on success, and on
 * failure a message and out-parameters left untouched.
 */
#include "config.h"

#include <sys/resource.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "parse.h"

#ifndef FUZZ_PARSER
#error "compile with -DFUZZ_PARSER=umask (or signal, retry, ...)"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

/* Byte pattern an out-parameter holds when the parser must not write it. */
#define POISON 0xa5

static bool
untouched(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != POISON)
			return (false);
	return (true);
}

static void
fuzz_umask(const char *s)
{
	mode_t m;

	memset(&m, POISON, sizeof(m));
	if (parse_umask(s, &m) == NULL)
		CHECK(m <= 0777);
	else
		CHECK(untouched(&m, sizeof(m)));
}

static void
fuzz_signal(const char *s)
{
	int sig;

	memset(&sig, POISON, sizeof(sig));
	if (parse_signal(s, &sig) == NULL) {
		CHECK(sig >= 0 && sig <= SIGRTMAX);
		(void)signal_name(sig);
	} else
		CHECK(untouched(&sig, sizeof(sig)));
}

static void
fuzz_seconds(const char *s)
{
	long long ms;

	memset(&ms, POISON, sizeof(ms));
	if (parse_seconds(s, &ms) == NULL)
		CHECK(ms >= 0 && ms <= 999999999999LL);
	else
		CHECK(untouched(&ms, sizeof(ms)));
}

static void
fuzz_retry(const char *s)
{
	struct retry_schedule r;

	memset(&r, POISON, sizeof(r));
	if (parse_retry(s, &r) == NULL) {
		CHECK(r.nsteps >= 1 && r.nsteps <= RETRY_MAX_STEPS);
		for (int i = 0; i < r.nsteps; i++) {
			CHECK(r.step[i].signo >= 0 &&
			    r.step[i].signo <= SIGRTMAX);
			CHECK(r.step[i].timeout_ms >= 0);
		}
	} else
		CHECK(untouched(&r, sizeof(r)));
}

static void
fuzz_respawn_delay(const char *s)
{
	long long lo, hi;

	memset(&lo, POISON, sizeof(lo));
	memset(&hi, POISON, sizeof(hi));
	if (parse_respawn_delay(s, &lo, &hi) == NULL)
		CHECK(lo >= 0 && hi >= lo);
	else
		CHECK(untouched(&lo, sizeof(lo)) && untouched(&hi, sizeof(hi)));
}

static void
fuzz_respawn_max(const char *s)
{
	unsigned n;
	long long w;

	memset(&n, POISON, sizeof(n));
	memset(&w, POISON, sizeof(w));
	if (parse_respawn_max(s, &n, &w) == NULL)
		CHECK(n <= 1000000 && w >= 0);
	else
		CHECK(untouched(&n, sizeof(n)) && untouched(&w, sizeof(w)));
}

static void
fuzz_syslog(const char *s)
{
	int f, p;

	memset(&f, POISON, sizeof(f));
	memset(&p, POISON, sizeof(p));
	if (parse_syslog(s, &f, &p) == NULL)
		CHECK(LOG_FAC(f) < LOG_NFACILITIES && (f & LOG_PRIMASK) == 0 &&
		    p >= LOG_EMERG && p <= LOG_DEBUG);
	else
		CHECK(untouched(&f, sizeof(f)) && untouched(&p, sizeof(p)));
}

static void
fuzz_env(const char *s)
{
	if (parse_env(s) == NULL)
		CHECK(strchr(s, '=') != NULL && s[0] != '=');
}

static void
fuzz_limit(const char *s)
{
	struct limit_setting l;

	memset(&l, POISON, sizeof(l));
	if (parse_limit(s, &l) == NULL) {
		CHECK(l.resource >= 0 && l.resource < RLIM_NLIMITS);
		CHECK(l.value.rlim_cur <= l.value.rlim_max);
		CHECK(strcmp(limit_name(l.resource), "?") != 0);
	} else
		CHECK(untouched(&l, sizeof(l)));
}

static void
fuzz_ionice(const char *s)
{
	int c, l;

	memset(&c, POISON, sizeof(c));
	memset(&l, POISON, sizeof(l));
	if (parse_ionice(s, &c, &l) == NULL) {
		CHECK(c >= 1 && c <= 3 && l >= 0 && l <= 7);
		CHECK(strcmp(ionice_class_name(c), "?") != 0);
	} else
		CHECK(untouched(&c, sizeof(c)) && untouched(&l, sizeof(l)));
}

static void
fuzz_sched(const char *s)
{
	int pol, prio;

	memset(&pol, POISON, sizeof(pol));
	memset(&prio, POISON, sizeof(prio));
	if (parse_sched(s, &pol, &prio) == NULL) {
		CHECK(strcmp(sched_policy_name(pol), "?") != 0);
		CHECK(prio >= 0 && prio <= 99);
		if (pol == SCHED_FIFO || pol == SCHED_RR)
			CHECK(prio >= 1);
		else
			CHECK(prio == 0);
	} else
		CHECK(untouched(&pol, sizeof(pol)) &&
		    untouched(&prio, sizeof(prio)));
}

#define STR(x) #x
#define NAME(x) STR(x)

static const struct {
	const char *name;
	void (*fn)(const char *);
} targets[] = {
	{"umask", fuzz_umask}, {"signal", fuzz_signal},
	{"seconds", fuzz_seconds}, {"retry", fuzz_retry},
	{"respawn_delay", fuzz_respawn_delay},
	{"respawn_max", fuzz_respawn_max}, {"syslog", fuzz_syslog},
	{"env", fuzz_env}, {"limit", fuzz_limit}, {"ionice", fuzz_ionice},
	{"sched", fuzz_sched},
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void (*fn)(const char *);
	size_t len = strnlen((const char *)data, size);
	char *s;

	for (size_t i = 0; fn == NULL && i < sizeof(targets) /
	    sizeof(targets[0]); i++)
		if (strcmp(targets[i].name, NAME(FUZZ_PARSER)) == 0)
			fn = targets[i].fn;
	CHECK(fn != NULL);
	if ((s = malloc(len + 1)) == NULL)
		return (0);
	memcpy(s, data, len);
	s[len] = '\0';
	fn(s);
	free(s);
	return (0);
}
