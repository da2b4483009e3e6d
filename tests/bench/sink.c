/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sink COUNT SECONDS: a private syslog for the benchmark.  Reads datagrams
 * from the bound socket on its standard input until COUNT have arrived or
 * none came for SECONDS, then prints "RECEIVED NS": how many arrived and
 * the CLOCK_MONOTONIC time of the last one.  Exits 0 when all COUNT came.
 * Written in C because a Python reader could not keep up with the sender.
 */
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int
main(int argc, char *argv[])
{
	static char buf[65536];
	struct timeval idle = { 0 };
	struct timespec ts = { 0 };
	long long count, n = 0;

	if (argc != 3) {
		fputs("usage: sink COUNT SECONDS < socket\n", stderr);
		return (64);
	}
	count = atoll(argv[1]);
	idle.tv_sec = atoi(argv[2]);
	if (setsockopt(0, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle)) == -1)
		return (71);
	while (n < count && recv(0, buf, sizeof(buf), 0) >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		n++;
	}
	printf("%lld %lld\n", n, ts.tv_sec * 1000000000LL + ts.tv_nsec);
	return (n == count ? 0 : 1);
}
