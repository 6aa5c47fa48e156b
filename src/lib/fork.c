/*
 * fork.c -- ForkingMixIn: a child process per request, entered in the
 * table of children (kids.c).  While the max_children cap is reached the
 * loop polls the children's pidfds instead of the listener, so no
 * request is accepted until a child has exited.  A child runs the
 * handler, reports a failure itself and leaves with _exit(0) or _exit(1);
 * the parent closes only its copy of the connection.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <unistd.h>

#include "sockserv-int.h"

static bool
fork_accepting(struct sockserv_server *srv)
{
	return srv->nkids < srv->opt.max_children;
}

static int
fork_waitfds(const struct sockserv_server *srv)
{
	return srv->opt.max_children;
}

/* At the cap: the children's pidfds, polled until one exits. */
static int
fork_pollfds(struct sockserv_server *srv, struct pollfd *pfd, int max, int *ms)
{
	int k;

	k = kids_pollfds(srv, pfd, max);
	if (k < srv->nkids && (*ms < 0 || *ms > 50))
		*ms = 50; /* no pidfd for some: poll for them */
	return k;
}

static void
fork_collect(struct sockserv_server *srv)
{
	(void)kids_reap(srv, false);
}

static void
fork_child(struct sockserv_server *srv, struct sockserv_request *req)
{
	kids_forget_in_child(srv);
	object_wake_close(srv, false);
	srv->creator = 0; /* never unlink the parent's socket file */
	if (req->socktype == SOCK_STREAM && srv->fd >= 0) {
		close(srv->fd); /* the child holds only its connection */
		srv->fd = -1;
	}
	_exit(request_run(req));
}

/* ForkingMixIn.process_request. */
static int
fork_process(struct sockserv_server *srv, struct sockserv_request *req)
{
	pid_t pid;

	if ((pid = fork()) == -1)
		return -1; /* the caller reports it and shuts down */
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

const struct strategy fork_strategy = {
    .process = fork_process,
    .accepting = fork_accepting,
    .waitfds = fork_waitfds,
    .pollfds = fork_pollfds,
    .collect = fork_collect,
    .timeout = fork_collect,
    .close = kids_close,
    .active = kids_active,
};
