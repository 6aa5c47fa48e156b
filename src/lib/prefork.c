/*
 * prefork.c -- a preforked pool: `workers' processes, each serving the
 * shared listener itself (accept or recvfrom; EAGAIN just means another
 * worker was faster).  In the parent, serve_forever supervises: it
 * replaces a worker that dies (waiting a second first when one died
 * within a second of its start, so a crashing handler cannot make it
 * spin), and on shutdown closes the write end of a pipe every worker
 * polls, so each one leaves after its current request; a flag in a
 * shared page, set by shutdown() and checked by every worker after each
 * wake-up, keeps a worker from accepting once shutdown() has returned
 * even while a sibling still holds a copy of the pipe.  server_close
 * waits for them (block_on_close).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "sockserv-int.h"

#define PREFORK_BACKOFF	  1.0  /* s: a worker living less is "crashing" */
#define WORKER_RECHECK_MS 1000 /* idle workers look at the stop flag */

static void
worker_main(struct sockserv_server *srv)
{
	atomic_int *stopping = srv->stopping;
	struct pollfd pfd[3];

	/*
	 * A shutdown() inside the worker stops this worker only, and the
	 * worker serves its requests itself: a synchronous server.
	 */
	srv->stopping = NULL;
	srv->strategy = &sync_strategy;
	srv->creator = 0;
	kids_forget_in_child(srv);
	close(atomic_exchange(&srv->stop_wr, -1));
	object_wake_close(srv, false);
	if (object_wake_init(srv) == -1)
		_exit(1);
	atomic_store(&srv->stop, 0);
	while (!atomic_load(&srv->stop)) {
		/*
		 * The stop pipe after the listener: poll scans in order, so a
		 * connection made after shutdown() is seen with the hang-up.
		 */
		pfd[0].fd = srv->wake_rd;
		pfd[1].fd = srv->fd;
		pfd[2].fd = srv->stop_rd;
		pfd[0].events = pfd[1].events = pfd[2].events = POLLIN;
		pfd[0].revents = pfd[1].revents = pfd[2].revents = 0;
		/*
		 * The timeout is a safety net only: the hang-up needs every
		 * copy of the write end closed, and a sibling may not have
		 * run yet; the shared flag does not.
		 */
		if (poll(pfd, 3, WORKER_RECHECK_MS) == -1) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (pfd[0].revents != 0)
			object_drain(srv);
		if (pfd[2].revents != 0 || atomic_load(&srv->stop) ||
		    atomic_load(stopping))
			break;
		if (pfd[1].revents != 0)
			(void)request_handle_noblock(srv);
	}
	_exit(0);
}

static int
prefork_pool(const struct sockserv_server *srv)
{
	int i, n = 0;

	for (i = 0; i < srv->nkids; i++)
		if (!srv->kids[i].retiring)
			n++;
	return n;
}

/* Start workers up to the pool size; *next is the earliest next try. */
static void
prefork_spawn(struct sockserv_server *srv, double *next)
{
	pid_t pid;

	while (
	    prefork_pool(srv) < srv->opt.workers && os_monotonic() >= *next) {
		if ((pid = fork()) == -1) {
			*next = os_monotonic() + PREFORK_BACKOFF;
			return;
		}
		if (pid == 0)
			worker_main(srv);
		if (kids_add(srv, pid) == -1) {
			kill(pid, SIGTERM);
			while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
				;
			*next = os_monotonic() + PREFORK_BACKOFF;
			return;
		}
	}
}

/* Reap exited workers; one that died young delays its replacement. */
static void
prefork_reap(struct sockserv_server *srv, double *next)
{
	double now = os_monotonic();
	int i = 0, st;
	pid_t r;

	while (i < srv->nkids) {
		r = waitpid(srv->kids[i].pid, &st, WNOHANG);
		if (r == 0 || (r == -1 && errno != ECHILD)) {
			i++;
			continue;
		}
		if (!srv->kids[i].retiring &&
		    now - srv->kids[i].started < PREFORK_BACKOFF)
			*next = now + PREFORK_BACKOFF;
		if (srv->kids[i].pidfd >= 0)
			close(srv->kids[i].pidfd);
		srv->kids[i] = srv->kids[--srv->nkids];
	}
}

static int
prefork_wait(struct sockserv_server *srv, double poll_interval, double next)
{
	struct pollfd *pfd;
	int n, ms = sock_poll_ms(poll_interval), r;
	double until;

	if ((pfd = calloc((size_t)srv->nkids + 1, sizeof(*pfd))) == NULL)
		return -1;
	pfd[0].fd = srv->wake_rd;
	pfd[0].events = POLLIN;
	n = 1 + kids_pollfds(srv, pfd + 1, srv->nkids);
	if (n - 1 < srv->nkids && (ms < 0 || ms > 100))
		ms = 100;
	if (prefork_pool(srv) < srv->opt.workers) {
		until = next - os_monotonic();
		if (ms < 0 || sock_poll_ms(until < 0 ? 0 : until) < ms)
			ms = sock_poll_ms(until < 0 ? 0 : until);
	}
	r = poll(pfd, (nfds_t)n, ms);
	if (r > 0 && pfd[0].revents != 0)
		object_drain(srv);
	free(pfd);
	return r == -1 && errno != EINTR ? -1 : 0;
}

/* Async-signal-safe: tell the workers to stop (shutdown() calls it). */
static void
prefork_signal(struct sockserv_server *srv)
{
	int e = errno, fd;

	if (srv->stopping != NULL)
		atomic_store(srv->stopping, 1);
	if ((fd = atomic_exchange(&srv->stop_wr, -1)) >= 0)
		close(fd);
	errno = e;
}

static void
prefork_stop(struct sockserv_server *srv)
{
	int i;

	prefork_signal(srv);
	if (srv->stop_rd >= 0) {
		close(srv->stop_rd);
		srv->stop_rd = -1;
	}
	for (i = 0; i < srv->nkids; i++)
		srv->kids[i].retiring = true;
}

/*
 * The shared page, made with the server (before any thread may call
 * shutdown()) since workers must see the flag the parent sets.
 */
static int
prefork_init(struct sockserv_server *srv)
{
	void *p;

	p = mmap(NULL, sizeof(*srv->stopping), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	srv->stopping = p;
	atomic_init(srv->stopping, 0);
	return 0;
}

static void
prefork_fini(struct sockserv_server *srv)
{
	if (srv->stopping != NULL)
		munmap(srv->stopping, sizeof(*srv->stopping));
}

/*
 * A new stop pipe for this run.  A shutdown() racing with us finds either
 * no pipe (and the flag, checked after) or the new one, which it closes.
 */
static int
prefork_pipe(struct sockserv_server *srv)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	atomic_store(srv->stopping, 0);
	srv->stop_rd = p[0];
	atomic_store(&srv->stop_wr, p[1]);
	if (atomic_load(&srv->stop))
		prefork_signal(srv);
	return 0;
}

static int
prefork_serve(struct sockserv_server *srv, double poll_interval)
{
	double next = 0;
	int i, rv = 0;

	if (srv->fd < 0) {
		errno = EBADF;
		return -1;
	}
	for (i = 0; i < srv->nkids; i++)
		srv->kids[i].retiring = true; /* from an earlier run */
	if (srv->stopping == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (object_wake_init(srv) == -1 || request_cache_init(srv) == -1 ||
	    prefork_pipe(srv) == -1)
		return -1;
	while (!atomic_load(&srv->stop)) {
		prefork_spawn(srv, &next);
		if (prefork_wait(srv, poll_interval, next) == -1) {
			rv = -1;
			break;
		}
		if (atomic_load(&srv->stop))
			break;
		prefork_reap(srv, &next);
		if (srv->hooks.service_actions != NULL)
			srv->hooks.service_actions(srv);
	}
	prefork_stop(srv);
	prefork_reap(srv, &next);
	atomic_store(&srv->stop, 0);
	return rv;
}

static void
prefork_close(struct sockserv_server *srv)
{
	prefork_stop(srv);
	kids_close(srv);
}

/*
 * The parent supervises (serve_forever); sockserv_handle_request in the
 * parent, like each worker, serves the request itself.
 */
const struct strategy prefork_strategy = {
    .init = prefork_init,
    .fini = prefork_fini,
    .serve_forever = prefork_serve,
    .process = sync_process,
    .signal = prefork_signal,
    .close = prefork_close,
    .active = kids_active,
};
