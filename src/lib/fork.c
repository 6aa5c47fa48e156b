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
