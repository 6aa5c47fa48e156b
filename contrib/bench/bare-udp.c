/*
 * bare-udp.c -- the floor for datagram echo: one loop of recvfrom and
 * sendto.  Usage: bare-udp PORT
 */
#include "bare-common.h"
#include <signal.h>

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char buf[8192];
	ssize_t n;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: bare-udp PORT\n");
		return 64;
	}
	fd = bare_listen(argv[1], SOCK_DGRAM);
	for (;;) {
		len = sizeof(ss);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss,
		    &len);
		if (n >= 0)
			sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&ss,
			    len);
	}
}
