/*
 * bare-prefork.c -- the floor for prefork mode: N workers sharing one
 * listener, each echoing one connection at a time.  The accept strategy
 * is the variable the benchmark measures (doc/performance.md):
 *
 *   block      every idle worker blocks in accept(2) (the kernel wakes one)
 *   poll       every idle worker polls the non-blocking listener, then
 *              accepts (the thundering herd: all wake, one wins)
 *   epollex    epoll with EPOLLEXCLUSIVE on the shared listener
 *   reuseport  a listener per worker with SO_REUSEPORT
 *
 * Usage: bare-prefork PORT [WORKERS [STRATEGY]]  (16 workers, block)
 */
#include "bare-common.h"

#include <sys/epoll.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>

/* Wait until the listener is readable, the way STRATEGY says. */
static void
wait_readable(int lfd, int epfd, const char *strategy)
{
	struct epoll_event ev;
	struct pollfd pfd = {.fd = lfd, .events = POLLIN};

	if (strcmp(strategy, "poll") == 0)
		poll(&pfd, 1, -1);
	else if (strcmp(strategy, "epollex") == 0)
		epoll_wait(epfd, &ev, 1, -1);
}

static void
worker(int lfd, const char *port, const char *strategy)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE};
	int c, epfd = -1;

	if (strcmp(strategy, "reuseport") == 0)
		lfd = bare_listen_opt(port, SOCK_STREAM, SO_REUSEPORT);
	else if (strcmp(strategy, "block") != 0)
		fcntl(lfd, F_SETFL, O_NONBLOCK);
	if (strcmp(strategy, "epollex") == 0) {
		epfd = epoll_create1(EPOLL_CLOEXEC);
		ev.data.fd = lfd;
		if (epfd == -1 || epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev)) {
			perror("epoll");
			_exit(71);
		}
	}
	for (;;) {
		wait_readable(lfd, epfd, strategy);
		if ((c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
			continue;
		bare_echo(c);
		close(c);
	}
}

int
main(int argc, char **argv)
{
	const char *strategy;
	int lfd, i, n;

	if (argc < 2 || argc > 4) {
		fprintf(stderr,
		    "usage: bare-prefork PORT [WORKERS [block|poll|"
		    "epollex|reuseport]]\n");
		return 64;
	}
	n = argc >= 3 ? atoi(argv[2]) : 16;
	strategy = argc == 4 ? argv[3] : "block";
	signal(SIGPIPE, SIG_IGN);
	/* With SO_REUSEPORT each worker binds its own listener; the parent
	   must hold none, or connections would queue where no one accepts. */
	lfd = strcmp(strategy, "reuseport") == 0
	    ? -1
	    : bare_listen(argv[1], SOCK_STREAM);
	for (i = 0; i < n; i++)
		if (fork() == 0)
			worker(lfd, argv[1], strategy);
	if (lfd != -1)
		close(lfd);
	/* The parent only waits; the runner stops the process group. */
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}
