/*
 * bare-common.h -- what the benchmark's reference "limit" servers share:
 * a listener on 127.0.0.1:PORT and the one echo loop.  These servers are
 * the bare-syscall floor sockservd is measured against, so they do
 * nothing a real server could skip.
 */
#ifndef BARE_COMMON_H
#define BARE_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4 */
#endif

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * A listener on 127.0.0.1:PORT; SO_REUSEPORT instead of SO_REUSEADDR
 * when each worker binds its own (bare-prefork's reuseport strategy).
 */
static inline int
bare_listen_opt(const char *port, int type, int optname)
{
	struct sockaddr_in sin;
	int fd, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(port));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, type | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, optname, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    (type == SOCK_STREAM && listen(fd, 128) == -1)) {
		perror("bind 127.0.0.1");
		exit(71);
	}
	return fd;
}

static inline int
bare_listen(const char *port, int type)
{
	return bare_listen_opt(port, type, SO_REUSEADDR);
}

/* Echo until EOF; the whole of what a handler does in the benchmark. */
static inline void
bare_echo(int fd)
{
	char buf[4096];
	ssize_t n, w, off;

	while ((n = read(fd, buf, sizeof(buf))) > 0 ||
	    (n == -1 && errno == EINTR)) {
		for (off = 0; n > 0 && off < n; off += w)
			if ((w = write(fd, buf + off, (size_t)(n - off))) ==
			    -1) {
				if (errno == EINTR) {
					w = 0;
					continue;
				}
				return;
			}
	}
}

#endif /* BARE_COMMON_H */
