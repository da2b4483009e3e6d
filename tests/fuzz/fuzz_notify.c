// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for notify_parse(), the parser of sd_notify datagrams:
 * untrusted input, since any local process that can reach the socket may
 * write to it.  The datagram is handed over in a buffer of exactly its
 * size, unterminated, as recvmsg(2) leaves it.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct notify_message m;
	char *buf = malloc(size != 0 ? size : 1);
	const char *warning;

	if (buf == NULL)
		return (0);
	memcpy(buf, data, size);
	memset(&m, 0xa5, sizeof(m));
	warning = notify_parse(buf, size, &m);
	CHECK(warning == NULL || warning[0] != '\0');
	CHECK(memchr(m.status, '\0', sizeof(m.status)) != NULL);
	CHECK(!m.has_status || memchr(buf, '\0', size) == NULL);
	CHECK(!m.has_errno || (m.errno_value > 0 && m.errno_value <= 4095));
	CHECK(!m.has_mainpid || m.mainpid > 0);
	CHECK(m.sender_pid == 0 && m.warning == NULL);
	free(buf);
	return (0);
}
