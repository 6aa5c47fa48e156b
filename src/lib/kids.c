/*
 * kids.c -- the table of the processes a server forked: per-request
 * children (fork.c) and prefork workers (prefork.c).  We reap only our
 * own pids, by pid with WNOHANG (never waitpid(-1)), so a program's other
 * children are its own business.  Each child gets a pidfd when the
 * kernel offers one, for a loop to poll (kids_pollfds) when it must wait
 * for a child to exit.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockserv-int.h"

/* Enter pid, with a pidfd where the kernel has one; -1 if out of memory. */
int
kids_add(struct sockserv_server *srv, pid_t pid)
{
	struct sockserv_child *k;
	int cap;

	if (srv->nkids == srv->kidcap) {
		cap = srv->kidcap ? srv->kidcap * 2 : 8;
		if ((k = realloc(srv->kids, (size_t)cap * sizeof(*k))) == NULL)
			return -1;
		srv->kids = k;
		srv->kidcap = cap;
	}
	k = &srv->kids[srv->nkids++];
	memset(k, 0, sizeof(*k));
	k->pid = pid;
	k->pidfd = os_pidfd_open(pid);
	k->started = os_monotonic();
	return 0;
}

static void
kids_remove(struct sockserv_server *srv, int i)
{
	if (srv->kids[i].pidfd >= 0)
		close(srv->kids[i].pidfd);
	srv->kids[i] = srv->kids[--srv->nkids];
}

/*
 * Reap the children that have exited (all of them, waiting, if block).
 * Returns how many were reaped.
 */
int
kids_reap(struct sockserv_server *srv, bool block)
{
	int i = 0, n = 0, st;
	pid_t r;

	while (i < srv->nkids) {
		do
			r = waitpid(srv->kids[i].pid, &st, block ? 0 : WNOHANG);
		while (r == -1 && errno == EINTR);
		if (r == 0 || (r == -1 && errno != ECHILD)) {
			i++;
			continue;
		}
		kids_remove(srv, i); /* exited, or not ours to wait for */
		n++;
	}
	return n;
}

int
kids_pollfds(struct sockserv_server *srv, struct pollfd *pfd, int max)
{
	int i, n = 0;

	for (i = 0; i < srv->nkids && n < max; i++) {
		if (srv->kids[i].pidfd < 0)
			continue;
		pfd[n].fd = srv->kids[i].pidfd;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	return n;
}

/* In a new child: the siblings' pidfds are not its business. */
void
kids_forget_in_child(struct sockserv_server *srv)
{
	int i;

	for (i = 0; i < srv->nkids; i++)
		if (srv->kids[i].pidfd >= 0)
			close(srv->kids[i].pidfd);
	srv->nkids = 0;
}

/* Children alive: sockserv_server_active for the modes that fork. */
int
kids_active(struct sockserv_server *srv)
{
	return srv->nkids;
}

/* server_close: reap the children, waiting for them (block_on_close). */
void
kids_close(struct sockserv_server *srv)
{
	(void)kids_reap(srv, srv->opt.block_on_close);
}
