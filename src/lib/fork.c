/*
 * fork.c -- ForkingMixIn: a child process per request, and the table of
 * the children we spawned (shared with prefork.c for its workers).  We
 * reap only our own pids, by pid with WNOHANG (never waitpid(-1)), so a
 * program's other children are its own business.  Each child gets a
 * pidfd when the kernel offers one: the loop polls them while the
 * max_children cap is reached, instead of polling the listener, so no
 * request is accepted until a child has exited.  A child runs the
 * handler, reports a failure itself and leaves with _exit(0) or _exit(1);
 * the parent closes only its copy of the connection.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockserv-int.h"

static int
pidfd_open_compat(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);	/* always CLOEXEC */
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

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
	k->pidfd = pidfd_open_compat(pid);
	k->started = sock_monotonic();
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
		kids_remove(srv, i);	/* exited, or not ours to wait for */
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

/* Wait up to timeout_ms for one of our children to exit, then reap. */
int
kids_wait_one(struct sockserv_server *srv, int timeout_ms)
{
	struct pollfd *pfd;
	int n, r;

	if (srv->nkids == 0)
		return 0;
	if ((pfd = calloc((size_t)srv->nkids, sizeof(*pfd))) == NULL)
		return -1;
	n = kids_pollfds(srv, pfd, srv->nkids);
	if (n < srv->nkids && (timeout_ms < 0 || timeout_ms > 50))
		timeout_ms = 50;
	r = poll(pfd, (nfds_t)n, timeout_ms);
	free(pfd);
	if (r == -1 && errno != EINTR)
		return -1;
	return kids_reap(srv, false);
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

bool
fork_full(const struct sockserv_server *srv)
{
	return srv->nkids >= srv->opt.max_children;
}

static void
fork_child(struct sockserv_server *srv, struct sockserv_request *req)
{
	int st;

	kids_forget_in_child(srv);
	server_wake_close(srv, false);
	srv->creator = 0;	/* never unlink the parent's socket file */
	if (req->socktype == SOCK_STREAM && srv->fd >= 0) {
		close(srv->fd);	/* the child holds only its connection */
		srv->fd = -1;
	}
	st = request_finish(req);
	if (st != 0)
		request_error(req);
	request_shutdown(req);
	_exit(st);
}

/* ForkingMixIn.process_request. */
int
fork_process(struct sockserv_server *srv, struct sockserv_request *req)
{
	pid_t pid;

	if ((pid = fork()) == -1)
		return -1;	/* the caller reports it and shuts down */
	if (pid == 0)
		fork_child(srv, req);
	if (kids_add(srv, pid) == -1) {
		/* Untracked, it would be a zombie: wait for it now. */
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	request_close(req);
	return 0;
}
