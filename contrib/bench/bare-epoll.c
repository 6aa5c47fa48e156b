/*
 * bare-epoll.c -- the generator's reference: one process, one epoll loop
 * that accepts every pending connection, echoes what arrives and closes
 * at EOF.  No fork, no thread, no per-connection state beyond the
 * descriptor, so it serves connections faster than any server under
 * test; what loadgen reaches against it is the generator's ceiling
 * (doc/performance.md, "Is the generator the bottleneck?").  It closes
 * when the client has, as the servers under test do, so the generator
 * pays here what it pays there, TIME_WAIT included.
 *
 * Usage: bare-epoll PORT
 */
#include "bare-common.h"

#include <sys/epoll.h>
#include <fcntl.h>
#include <signal.h>

#define MAXEVENTS 256

/*
 * Echo what is readable; close at EOF or error and say so.  A client sends
 * one line and waits for it, so the echo always fits in the socket buffer:
 * a short write means a client that does not read, and it is dropped.
 */
static int
echo_some(int fd)
{
	char buf[4096];
	ssize_t n;

	n = read(fd, buf, sizeof(buf));
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n > 0 && write(fd, buf, (size_t)n) == n)
		return 0;
	close(fd); /* also leaves the epoll set */
	return -1;
}

/*
 * Take every connection waiting on the non-blocking listener.  On
 * loopback the client's line has usually arrived by the time its
 * connection is accepted: echo it at once, which saves a wake-up.
 */
static void
accept_all(int lfd, int epfd)
{
	struct epoll_event ev = {.events = EPOLLIN};
	int c;

	while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) !=
	    -1) {
		if (echo_some(c) == -1)
			continue;
		ev.data.fd = c;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, c, &ev) == -1)
			close(c);
	}
}

int
main(int argc, char **argv)
{
	struct epoll_event ev = {.events = EPOLLIN}, evs[MAXEVENTS];
	int lfd, epfd, i, n;

	if (argc != 2) {
		fprintf(stderr, "usage: bare-epoll PORT\n");
		return 64;
	}
	signal(SIGPIPE, SIG_IGN);
	lfd = bare_listen(argv[1], SOCK_STREAM);
	ev.data.fd = lfd;
	if (fcntl(lfd, F_SETFL, O_NONBLOCK) == -1 ||
	    (epfd = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev) == -1) {
		perror("bare-epoll");
		return 71;
	}
	for (;;) {
		if ((n = epoll_wait(epfd, evs, MAXEVENTS, -1)) == -1 &&
		    errno != EINTR) {
			perror("epoll_wait");
			return 71;
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd == lfd)
				accept_all(lfd, epfd);
			else
				(void)echo_some(evs[i].data.fd);
		}
	}
}
