/*
 * server.c -- the server object and BaseServer's loop: construction
 * (bind and activate, or wrap an inherited socket), serve_forever,
 * handle_request, shutdown and server_close.  shutdown() is a flag plus a
 * byte in a self-pipe, so it is async-signal-safe, wakes the loop at once
 * and is re-checked after every wake-up: no request is accepted after it,
 * and one requested before the loop starts is honoured when it does.
 * While the fork or thread cap is reached the loop does not poll the
 * listener at all; it waits for a child (pidfd) or a thread (a byte in
 * the self-pipe) to finish.  The mode's strategy (sockserv-int.h) is
 * chosen here once, at creation; the loop calls it only through its
 * table.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockserv-int.h"

/* The mode's strategy, chosen once: nothing below names another. */
static const struct strategy *
server_strategy(enum sockserv_mode mode)
{
	switch (mode) {
	case SOCKSERV_FORK:
		return &fork_strategy;
	case SOCKSERV_THREAD:
		return &thread_strategy;
	case SOCKSERV_PREFORK:
		return &prefork_strategy;
	case SOCKSERV_SYNC:
		break;
	}
	return &sync_strategy;
}

static struct sockserv_server *
server_alloc(const struct sockserv_handler *h,
    const struct sockserv_options *opt)
{
	struct sockserv_server *srv;

	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return NULL;
	if (opt != NULL)
		srv->opt = *opt;
	else
		sockserv_options_init(&srv->opt);
	if (srv->opt.max_packet_size == 0)
		srv->opt.max_packet_size = 1;
	if (srv->opt.max_children < 1)
		srv->opt.max_children = 1;
	if (srv->opt.workers < 1)
		srv->opt.workers = 1;
	if (h != NULL)
		srv->h = *h;
	srv->strategy = server_strategy(srv->opt.mode);
	srv->fd = -1;
	srv->reply_fd = -1;
	srv->stop_rd = -1;
	srv->wake_rd = -1;
	atomic_init(&srv->wake_wr, -1);
	atomic_init(&srv->stop_wr, -1);
	if (srv->strategy->init != NULL && srv->strategy->init(srv) == -1) {
		free(srv);
		return NULL;
	}
	srv->refs = 1;
	srv->creator = getpid();
	atomic_init(&srv->stop, 0);
	pthread_mutex_init(&srv->lock, NULL);
	TAILQ_INIT(&srv->running);
	TAILQ_INIT(&srv->done);
	return srv;
}

/* Take ownership of a bound socket: learn its type and address. */
static int
server_adopt(struct sockserv_server *srv, int fd)
{
	socklen_t len = sizeof(int);

	if (sock_set_nonblock_cloexec(fd) == -1 ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &srv->socktype, &len) == -1)
		return -1;
	if (srv->socktype != SOCK_STREAM && srv->socktype != SOCK_DGRAM) {
		errno = ESOCKTNOSUPPORT;
		return -1;
	}
	srv->addrlen = sizeof(srv->addr);
	if (getsockname(fd, (struct sockaddr *)&srv->addr, &srv->addrlen) == -1)
		return -1;
	srv->family = srv->addr.ss_family;
	srv->fd = fd;
	return 0;
}

static void
server_free_early(struct sockserv_server *srv)
{
	int e = errno;

	object_release(srv);
	errno = e;
}

struct sockserv_server *
sockserv_server_new_fd(int fd, const struct sockserv_handler *h,
    const struct sockserv_options *opt)
{
	struct sockserv_server *srv;
	int e;

	if ((srv = server_alloc(h, opt)) == NULL ||
	    server_adopt(srv, fd) == -1) {
		e = errno;
		if (srv != NULL)
			server_free_early(srv);
		close(fd);
		errno = e;
		return NULL;
	}
	return srv;
}

struct sockserv_server *
sockserv_server_new_unbound(const struct sockserv_handler *h,
    const struct sockserv_options *opt)
{
	struct sockserv_options o;
	struct sockserv_server *srv;

	if (opt != NULL)
		o = *opt;
	else
		sockserv_options_init(&o);
	o.mode = SOCKSERV_SYNC; /* it serves in the caller, or not */
	if ((srv = server_alloc(h, &o)) == NULL)
		return NULL;
	srv->socktype = SOCK_STREAM;
	srv->family = AF_UNSPEC;
	if (request_cache_init(srv) == -1) {
		server_free_early(srv);
		return NULL;
	}
	return srv;
}

/* Remember the socket file we created, to remove it (only it) at close. */
static int
server_own_path(struct sockserv_server *srv, const struct sockserv_addr *a)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)&a->sa;
	struct stat st;

	if ((srv->unix_path = strdup(sun->sun_path)) == NULL)
		return -1;
	if (stat(srv->unix_path, &st) == -1)
		return -1;
	srv->unix_dev = st.st_dev;
	srv->unix_ino = st.st_ino;
	return 0;
}

struct sockserv_server *
sockserv_server_new_addr(const struct sockserv_addr *a,
    const struct sockserv_handler *h, const struct sockserv_options *opt)
{
	struct sockserv_server *srv;
	int fd, e;

	if ((srv = server_alloc(h, opt)) == NULL)
		return NULL;
	if ((fd = sockserv_listen(a, &srv->opt)) == -1) {
		server_free_early(srv);
		return NULL;
	}
	if (server_adopt(srv, fd) == -1 ||
	    (a->family == AF_UNIX && server_own_path(srv, a) == -1)) {
		e = errno;
		if (a->family == AF_UNIX)
			unlink(((const struct sockaddr_un *)&a->sa)->sun_path);
		close(fd);
		server_free_early(srv);
		errno = e;
		return NULL;
	}
	return srv;
}

struct sockserv_server *
sockserv_server_new(const char *url, const struct sockserv_handler *h,
    const struct sockserv_options *opt)
{
	struct sockserv_addr a;

	if (sockserv_addr_parse(url, &a, NULL, 0) == -1)
		return NULL;
	return sockserv_server_new_addr(&a, h, opt);
}

void
sockserv_server_set_hooks(struct sockserv_server *srv,
    const struct sockserv_hooks *hooks)
{
	if (hooks != NULL)
		srv->hooks = *hooks;
	else
		memset(&srv->hooks, 0, sizeof(srv->hooks));
}

void
sockserv_server_set_context(struct sockserv_server *srv, void *ctx)
{
	srv->ctx = ctx;
}

void *
sockserv_server_context(const struct sockserv_server *srv)
{
	return srv->ctx;
}

int
sockserv_server_fileno(const struct sockserv_server *srv)
{
	return srv->fd;
}

int
sockserv_server_socktype(const struct sockserv_server *srv)
{
	return srv->socktype;
}

const struct sockserv_options *
sockserv_server_options(const struct sockserv_server *srv)
{
	return &srv->opt;
}

const struct sockaddr *
sockserv_server_address(const struct sockserv_server *srv, socklen_t *len)
{
	if (len != NULL)
		*len = srv->addrlen;
	return (const struct sockaddr *)&srv->addr;
}

int
sockserv_server_active(const struct sockserv_server *srv)
{
	struct sockserv_server *s = (struct sockserv_server *)srv;

	return srv->strategy->active(s);
}

int
sockserv_server_active_client(const struct sockserv_server *srv,
    const struct sockaddr *sa)
{
	struct sockserv_server *s = (struct sockserv_server *)srv;

	if (srv->strategy->clients == NULL) {
		errno = ENOTSUP;
		return -1;
	}
	return srv->strategy->clients(s, sa);
}

void
sockserv_server_set_done(struct sockserv_server *srv, sockserv_done_fn done)
{
	srv->on_done = done;
}

/* ------------------------------------------------------ an outside loop */

/* Our own housekeeping each turn, before the service_actions hook. */
static void
server_collect(struct sockserv_server *srv)
{
	if (srv->strategy->collect != NULL)
		srv->strategy->collect(srv);
}

/* The self-pipe, for a loop of the caller's to poll. */
int
sockserv_server_wakefd(struct sockserv_server *srv)
{
	if (object_wake_init(srv) == -1)
		return -1;
	return srv->wake_rd;
}

/* What serve_forever does each turn besides serving: never blocks. */
void
sockserv_server_collect(struct sockserv_server *srv)
{
	object_drain(srv);
	server_collect(srv);
}

void
sockserv_shutdown(struct sockserv_server *srv)
{
	atomic_store(&srv->stop, 1);
	if (srv->strategy->signal != NULL)
		srv->strategy->signal(srv);
	object_wake(srv);
}

/* ------------------------------------------------------------------ the loop
 */

static bool
server_accepting(struct sockserv_server *srv)
{
	return srv->strategy->accepting == NULL ||
	    srv->strategy->accepting(srv);
}

/*
 * One wait: the self-pipe, the listener unless at the cap, and what the
 * strategy waits on at the cap (the children's pidfds in fork mode).  Returns
 * poll's result with *ready telling whether the listener is readable.
 */
static int
server_wait(struct sockserv_server *srv, struct pollfd *pfd, int max, int ms,
    bool *ready)
{
	bool accepting = server_accepting(srv);
	int n = 0, r;

	*ready = false;
	pfd[n].fd = srv->wake_rd;
	pfd[n++].events = POLLIN;
	if (accepting) {
		pfd[n].fd = srv->fd;
		pfd[n++].events = POLLIN;
	} else if (srv->strategy->pollfds != NULL)
		n += srv->strategy->pollfds(srv, pfd + n, max - n, &ms);
	if ((r = poll(pfd, (nfds_t)n, ms)) == -1)
		return errno == EINTR ? 0 : -1;
	if (pfd[0].revents != 0)
		object_drain(srv);
	if (accepting && pfd[1].revents != 0)
		*ready = true;
	return r;
}

static struct pollfd *
server_pollfds(struct sockserv_server *srv, int *max)
{
	*max = 2 +
	    (srv->strategy->waitfds != NULL ? srv->strategy->waitfds(srv) : 0);
	return calloc((size_t)*max, sizeof(struct pollfd));
}

int
sockserv_serve_forever(struct sockserv_server *srv, double poll_interval)
{
	struct pollfd *pfd;
	bool ready;
	int max, rv = 0;

	if (srv->fd < 0) {
		errno = EBADF;
		return -1;
	}
	if (srv->strategy->serve_forever != NULL)
		return srv->strategy->serve_forever(srv, poll_interval);
	if (object_wake_init(srv) == -1 || request_cache_init(srv) == -1 ||
	    (pfd = server_pollfds(srv, &max)) == NULL)
		return -1;
	while (!atomic_load(&srv->stop)) {
		if (server_wait(srv, pfd, max, sock_poll_ms(poll_interval),
			&ready) == -1) {
			rv = -1;
			break;
		}
		if (atomic_load(&srv->stop))
			break;
		if (ready)
			(void)request_handle_noblock(srv);
		server_collect(srv);
		if (srv->hooks.service_actions != NULL)
			srv->hooks.service_actions(srv);
	}
	free(pfd);
	atomic_store(&srv->stop, 0);
	return rv;
}

static void
server_timeout(struct sockserv_server *srv)
{
	if (srv->hooks.handle_timeout != NULL)
		srv->hooks.handle_timeout(srv);
	else if (srv->strategy->timeout != NULL)
		srv->strategy->timeout(srv);
}

int
sockserv_handle_request(struct sockserv_server *srv)
{
	double timeout = srv->opt.timeout, deadline = 0, left = -1;
	struct pollfd *pfd;
	bool ready;
	int max;

	if (srv->fd < 0) {
		errno = EBADF;
		return -1;
	}
	if (object_wake_init(srv) == -1 || request_cache_init(srv) == -1 ||
	    (pfd = server_pollfds(srv, &max)) == NULL)
		return -1;
	if (timeout >= 0)
		deadline = os_monotonic() + timeout;
	for (;;) {
		if (timeout >= 0 && (left = deadline - os_monotonic()) < 0)
			left = 0;
		if (server_wait(srv, pfd, max, sock_poll_ms(left), &ready) ==
		    -1) {
			free(pfd);
			return -1;
		}
		if (ready) {
			free(pfd);
			return request_handle_noblock(srv);
		}
		server_collect(srv);
		if (timeout >= 0 && os_monotonic() >= deadline) {
			free(pfd);
			server_timeout(srv);
			return 0;
		}
	}
}

/* Remove the socket file we bound, if it is still ours. */
static void
server_unlink(struct sockserv_server *srv)
{
	struct stat st;

	if (srv->unix_path == NULL || getpid() != srv->creator)
		return;
	if (stat(srv->unix_path, &st) == 0 && st.st_dev == srv->unix_dev &&
	    st.st_ino == srv->unix_ino)
		(void)unlink(srv->unix_path);
}

void
sockserv_server_close(struct sockserv_server *srv)
{
	int i;

	if (srv == NULL)
		return;
	if (srv->fd >= 0 && srv->strategy->threads &&
	    srv->socktype == SOCK_DGRAM)
		srv->reply_fd = srv->fd; /* closed with the last thread */
	else if (srv->fd >= 0)
		close(srv->fd);
	srv->fd = -1;
	server_unlink(srv);
	srv->strategy->close(srv);
	for (i = 0; i < srv->nkids; i++)
		if (srv->kids[i].pidfd >= 0)
			close(srv->kids[i].pidfd);
	srv->nkids = 0;
	object_wake_close(srv, true);
	object_release(srv);
}
