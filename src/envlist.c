// SPDX-License-Identifier: BSD-2-Clause
/*
 * The environment builder (see envlist.h).  Runs in the original process,
 * while options are resolved, so the daemon and every supervised child
 * inherit the result.  One allocation holds the new array and an open
 * addressing table from names to slots in it.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envlist.h"

/* FNV-1a of the name, which ends at '=' (or at the end of the string). */
static uint32_t
name_hash(const char *s, size_t *len)
{
	uint32_t h = 2166136261u;
	const char *p;

	for (p = s; *p != '\0' && *p != '='; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	*len = p - s;
	return (h);
}

/* The table slot for s: where its name is, or the empty slot to use. */
static size_t
find(char **out, const uint32_t *slots, size_t mask, const char *s)
{
	size_t len, i;

	for (i = name_hash(s, &len) & mask; slots[i] != 0; i = (i + 1) & mask) {
		const char *e = out[slots[i] - 1];

		if (strncmp(e, s, len) == 0 && (e[len] == '=' || e[len] == '\0'))
			break;
	}
	return (i);
}

char **
envlist_build(char *const *base, const char *const *set, size_t nset)
{
	size_t nbase = 0, n = 0, cap = 2, i;
	uint32_t *slots;
	char **out;

	while (base != NULL && base[nbase] != NULL)
		nbase++;
	if (nbase + nset > UINT32_MAX / 4) {
		errno = ENOMEM;
		return (NULL);
	}
	while (cap < 2 * (nbase + nset))
		cap *= 2;
	/* The array, then the table, in one block. */
	if ((out = calloc(1, (nbase + nset + 1) * sizeof(*out) +
	    cap * sizeof(*slots))) == NULL)
		return (NULL);
	slots = (uint32_t *)(out + nbase + nset + 1);
	for (const char *const *s = (const char *const *)base; n < nbase; s++) {
		i = find(out, slots, cap - 1, *s);
		if (slots[i] == 0)
			slots[i] = n + 1;	/* the first of duplicates wins */
		out[n++] = (char *)*s;
	}
	for (const char *const *s = set; s < set + nset; s++) {
		i = find(out, slots, cap - 1, *s);
		if (slots[i] != 0) {
			out[slots[i] - 1] = (char *)*s;
			continue;
		}
		slots[i] = n + 1;
		out[n++] = (char *)*s;
	}
	out[n] = NULL;
	return (out);
}
