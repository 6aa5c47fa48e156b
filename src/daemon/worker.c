/*
 * worker.c -- what runs in a process the supervisor forked.
 *
 * It owns the life of every child and worker after fork(), once the code
 * that forked it has closed the master's descriptors (listeners it does
 * not serve, spares' ends, the pidfile: child_close_master): default
 * signal dispositions and SIGTERM as "finish the current request(s), then
 * exit"; closing the master's signalfd; dropping privileges before any
 * module code runs; the module's init and fini; and the serving itself:
 *
 *   worker_conn   fork mode: one connection, then _exit with the
 *                 handler's result (the hot path: nothing here that
 *                 need not be); a spare (spare.c) sets up the same way
 *                 (worker_conn_setup) before it waits for its connection
 *   worker_dgram  fork mode: one datagram
 *   worker_pool   prefork and sync: accept and serve one connection at a
 *                 time until retired; thread: each connection handed to
 *                 the library's thread strategy (sockserv_dispatch_*),
 *                 at most max_children at once (at the cap it does not
 *                 accept, so clients wait in the backlog)
 *
 * A pool worker checks its retire flag and its request limit before
 * every accept (gunicorn#3038: a worker that decided to exit never
 * accepts again).  Prefork workers wait on their own epoll set with
 * EPOLLEXCLUSIVE, so a connection wakes one idle worker, not the whole
 * pool.  Admission (allow/deny, max_per_source) happens here, before the
 * module sees the connection; max_per_source counts the busy slots of
 * the scoreboard (prefork) or the library's running requests (thread
 * mode, sockserv_server_active_client).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "sockservd.h"

#define WORKER_PKTMAX	   65536 /* the largest datagram */
#define WORKER_EVENTS	   16
#define WAKE_TAG	   UINT32_MAX /* epoll data of the self-pipe */
#define WORKER_DGRAM_BATCH 64	      /* datagrams served per wake-up */

/* The state of a pool worker process. */
struct worker {
	struct service *svc;
	const struct sockserv_module *mod;
	struct sockserv_server **srv; /* per svc->addrs[i]; NULL */
	int ep;			      /* listeners + wake pipe */
	int ep_wake;		      /* the wake pipe only */
	void *state;		      /* the module's */
	int limit;		      /* requests; 0: none */
	unsigned long served;
	struct fault fault; /* accept/recvfrom failing */
};

static volatile sig_atomic_t w_retire;
static int w_wake[2] = {-1, -1};
/* Stream listeners a pool worker lets go of the moment it is retired. */
#define WORKER_MAXLFDS 64
static int w_lfds[WORKER_MAXLFDS];
static volatile sig_atomic_t w_nlfds;
static volatile sig_atomic_t w_busy;	/* serving, not waiting */
static volatile sig_atomic_t w_lclosed; /* w_lfds are closed */
static const struct service *w_svc;	/* for handle_error */
static char w_pkt[WORKER_PKTMAX];

/* ------------------------------------------------------------ signals */

/*
 * Close the stream listeners once, from the retire handler or from the
 * loop with the handler blocked; never twice, so a number reused by a
 * new descriptor is never closed by mistake.
 */
static void
worker_drop_listeners(void)
{
	int i;

	if (w_lclosed)
		return;
	w_lclosed = 1;
	for (i = 0; i < w_nlfds; i++)
		(void)close(w_lfds[i]);
}

/* The same from the loop: with the retire handler kept out. */
static void
worker_drop_listeners_now(void)
{
	sigset_t set, old;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	(void)sigprocmask(SIG_BLOCK, &set, &old);
	worker_drop_listeners();
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
}

static void
worker_sig_retire(int sig)
{
	int saved = errno;
	char c = 0;

	/*
	 * A worker busy with a long request must not keep its listeners
	 * open: after a shutdown the port would still accept into a backlog
	 * nobody serves.  Apache's graceful handler does the same.  An idle
	 * worker keeps them until worker_final_sweep(): it may have been
	 * handed an EPOLLEXCLUSIVE wake-up for a connection that no other
	 * worker will be woken for.  close() is async-signal-safe.
	 */
	w_retire = 1;
	if (w_busy)
		worker_drop_listeners();
	if (w_wake[1] != -1)
		(void)!write(w_wake[1], &c, 1);
	errno = saved;
}

/* A no-op handler, so a stray signal costs nothing and exec resets it. */
static void
worker_sig_ignore(int sig)
{
}

/*
 * A pool worker's or datagram child's signals.  SIGTERM, the master's
 * retire: finish what is in hand, then exit.  SIGINT, SIGHUP and SIGUSR1
 * are the master's business and a worker shrugs them off: a ^C reaches
 * the whole foreground group, and a worker that left on it before the
 * master drained would be taken for one that died.  Syscalls restart (a
 * handler's read or write goes on where it was).  A fork-mode child or spare
 * keeps the master's mask instead (worker_conn_setup).
 */
static void
worker_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa)); /* and so an empty sa_mask */
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = worker_sig_retire;
	(void)sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = worker_sig_ignore;
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	(void)sigaction(SIGUSR1, &sa, NULL);
}

static void
worker_drain_wake(void)
{
	char buf[64];

	while (read(w_wake[0], buf, sizeof(buf)) > 0)
		;
}

/* ------------------------------------------------------------- common */

static void
worker_handle_error(struct sockserv_server *srv, struct sockserv_request *req)
{
	char client[SOCKSERV_ADDRSTRLEN];
	socklen_t len;
	const struct sockaddr *sa;
	int err = sockserv_request_errno(req);

	sa = sockserv_request_client(req, &len);
	sockserv_sockaddr_format(sa, len, client, sizeof(client));
	log_info("service %s: %s: request failed: %s", w_svc->name, client,
	    err != 0 ? strerror(err) : "no reason given");
}

static const struct sockserv_hooks worker_hooks = {
    .handle_error = worker_handle_error,
};

static void
worker_options(const struct service *svc, struct sockserv_options *opt)
{
	sockserv_options_init(opt);
	/*
	 * We accept; the engine serves: here, or in thread mode on a thread
	 * of its own (detached: the worker waits for its count to drop).
	 */
	opt->mode = svc->mode == MODE_THREAD ? SOCKSERV_THREAD : SOCKSERV_SYNC;
	opt->daemon_threads = true;
	opt->io_timeout = svc->timeout > 0 ? svc->timeout : -1;
	opt->max_children = svc->max_children;
	opt->max_packet_size = WORKER_PKTMAX;
}

static const struct sockserv_handler *
worker_handler(const struct sockserv_module *mod, int socktype)
{
	return socktype == SOCK_STREAM ? mod->stream : mod->dgram;
}

/* A server object around lfd, which it adopts; exits on failure. */
static struct sockserv_server *
worker_server(const struct service *svc, int lfd, int socktype)
{
	struct sockserv_options opt;
	struct sockserv_server *srv;

	worker_options(svc, &opt);
	srv = sockserv_server_new_fd(lfd,
	    worker_handler(svc->module->desc, socktype), &opt);
	if (srv == NULL)
		log_fatal("service %s: server", svc->name);
	sockserv_server_set_hooks(srv, &worker_hooks);
	return srv;
}

/*
 * Privileges, then the module's init: the order that guarantees no module
 * code ever runs with the master's identity.  Returns the module state.
 */
static void *
worker_module_init(struct service *svc)
{
	const struct sockserv_module *mod = svc->module->desc;
	void *state = NULL;

	if (priv_drop_child(svc) == -1)
		_exit(1); /* priv.c said what failed */
	if (mod->init != NULL && mod->init(&svc->env, &state) == -1)
		log_fatalx("service %s: module %s: init failed", svc->name,
		    mod->name);
	return state;
}

static void
worker_log_request(const struct service *svc, const struct sockaddr *sa,
    socklen_t len, double t0, int rv)
{
	char client[SOCKSERV_ADDRSTRLEN];

	if (!log_enabled(LOG_INFO))
		return; /* per request: format nothing for nobody */
	sockserv_sockaddr_format(sa, len, client, sizeof(client));
	log_info("service %s: %s pid %ld duration %.3fs status %d", svc->name,
	    client, (long)getpid(), os_monotonic() - t0, rv);
}

static void
worker_log_refused(const struct service *svc, const struct sockaddr *sa,
    socklen_t len, const char *why)
{
	char client[SOCKSERV_ADDRSTRLEN];

	sockserv_sockaddr_format(sa, len, client, sizeof(client));
	log_notice("service %s: %s refused (%s)", svc->name, client, why);
}

/* ---------------------------------------------------------- fork mode */

/*
 * The server object fork-mode children of svc serve with, built in the
 * master once per service and generation (the supervisor keeps it): it
 * has no socket, only the handler, options and hooks, so that a child
 * allocates nothing before its request.  NULL on failure, logged.
 */
struct sockserv_server *
worker_conn_server(const struct service *svc)
{
	struct sockserv_options opt;
	struct sockserv_server *srv;

	worker_options(svc, &opt);
	srv = sockserv_server_new_unbound(worker_handler(svc->module->desc,
					      SOCK_STREAM),
	    &opt);
	if (srv == NULL) {
		log_warn("service %s: server", svc->name);
		return NULL;
	}
	sockserv_server_set_hooks(srv, &worker_hooks);
	return srv;
}

/*
 * What a child for one connection (or a spare waiting for one) does
 * before it serves: closing the signalfd, privileges and the module's
 * init (worker_module_init).  This is the hot path of fork mode,
 * and on a virtual machine every page a child writes or first executes is
 * a fault that costs more than a syscall: it writes one variable, and the
 * server object is the master's.
 *
 * Signals: it keeps the master's mask.  SIGTERM and SIGINT (and SIGHUP,
 * SIGUSR1, SIGQUIT, SIGCHLD) stay blocked, so a child finishes its
 * connection and exits, which is what a graceful stop asks of it, and a
 * spare leaves when the master closes its end of the socket pair, which
 * is how the master retires spares; SIGKILL ends either at the shutdown
 * timeout, and SIGPIPE stays ignored.  An exec'd program gets a clean
 * mask from the exec module.
 */
void *
worker_conn_setup(struct service *svc, struct sockserv_server *srv)
{
	void *state;

	w_svc = svc;
	state = worker_module_init(svc);
	if (state != NULL)
		sockserv_server_set_context(srv, state);
	return state;
}

void
worker_conn(struct service *svc, struct sockserv_server *srv, int conn_fd,
    const struct sockaddr *peer, socklen_t peerlen)
{
	void *state;
	int rv;

	state = worker_conn_setup(svc, srv);
	rv = sockserv_serve_connection(srv, conn_fd, peer, peerlen);
	if (svc->module->desc->fini != NULL)
		svc->module->desc->fini(state);
	_exit(rv);
}

void
worker_dgram(struct service *svc, int lfd, const void *pkt, size_t len,
    const struct sockaddr *peer, socklen_t peerlen)
{
	struct sockserv_server *srv;
	void *state;
	int rv;

	worker_signals();
	signal_reset_child();
	w_svc = svc;
	srv = worker_server(svc, lfd, SOCK_DGRAM);
	state = worker_module_init(svc);
	sockserv_server_set_context(srv, state);
	rv = sockserv_serve_datagram(srv, pkt, len, peer, peerlen);
	if (svc->module->desc->fini != NULL)
		svc->module->desc->fini(state);
	_exit(rv);
}

/* ------------------------------------------------------- pool workers */

/* Before every accept: retired, or at the limit with a recycle token? */
static bool
worker_may_accept(struct worker *w)
{
	if (w_retire)
		return false;
	if (w->limit > 0 && w->served >= (unsigned long)w->limit &&
	    scoreboard_recycle_token()) {
		scoreboard_retiring();
		w_retire = 1;
		return false;
	}
	return true;
}

/* Listeners, the wake pipe, epoll sets; privileges; the module. */
static void
worker_pool_setup(struct worker *w, struct service *svc)
{
	struct epoll_event ev;
	size_t i;

	if ((w->srv = calloc(svc->naddrs, sizeof(*w->srv))) == NULL ||
	    (w->ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (w->ep_wake = epoll_create1(EPOLL_CLOEXEC)) == -1)
		log_fatal("service %s: worker", svc->name);
	for (i = 0; i < svc->naddrs; i++) {
		if (svc->fds[i] < 0 ||
		    worker_handler(w->mod, svc->addrs[i].socktype) == NULL)
			continue;
		/* Prefork: datagrams for `workers' of them (sockservd.h). */
		if (svc->addrs[i].socktype == SOCK_DGRAM &&
		    svc->mode == MODE_PREFORK && !scoreboard_dgram())
			continue;
		w->srv[i] =
		    worker_server(svc, svc->fds[i], svc->addrs[i].socktype);
		memset(&ev, 0, sizeof(ev));
		/* One idle prefork worker woken per connection, not all. */
		ev.events =
		    EPOLLIN | (svc->mode == MODE_PREFORK ? EPOLLEXCLUSIVE : 0);
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(w->ep, EPOLL_CTL_ADD, svc->fds[i], &ev) == -1)
			log_fatal("service %s: epoll", svc->name);
		/* Datagram listeners stay: a reply in hand goes out on them. */
		if (svc->addrs[i].socktype == SOCK_STREAM &&
		    w_nlfds < WORKER_MAXLFDS) {
			w_lfds[w_nlfds] = svc->fds[i];
			w_nlfds = w_nlfds + 1;
		}
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = WAKE_TAG;
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, w_wake[0], &ev) == -1 ||
	    epoll_ctl(w->ep_wake, EPOLL_CTL_ADD, w_wake[0], &ev) == -1)
		log_fatal("service %s: epoll", svc->name);
	w->state = worker_module_init(svc);
	for (i = 0; i < svc->naddrs; i++)
		if (w->srv[i] != NULL)
			sockserv_server_set_context(w->srv[i], w->state);
	w->limit = svc->mode == MODE_PREFORK ? scoreboard_limit() : 0;
}

/* One connection, in this process: admission, serve, log. */
static void
worker_serve_stream(struct worker *w, struct sockserv_server *srv, int fd,
    const struct sockaddr *sa, socklen_t len)
{
	const struct service *svc = w->svc;
	double t0;
	int same, rv;

	if (!acl_admit(svc, sa)) {
		worker_log_refused(svc, sa, len, "acl");
		close(fd);
		return;
	}
	same = scoreboard_busy(sa, svc->max_per_source > 0);
	if (svc->max_per_source > 0 && same > svc->max_per_source) {
		worker_log_refused(svc, sa, len, "max_per_source");
		close(fd);
		scoreboard_idle();
		return;
	}
	/* Busy from here: a retire signal now also drops the listeners. */
	w_busy = 1;
	if (w_retire)
		worker_drop_listeners_now();
	t0 = os_monotonic();
	rv = sockserv_serve_connection(srv, fd, sa, len);
	worker_log_request(svc, sa, len, t0, rv);
	w->served++;
	w_busy = 0;
	scoreboard_idle();
}

static uint64_t
worker_ms(void)
{
	return (uint64_t)(os_monotonic() * 1000);
}

/*
 * accept4 or recvfrom (call) failed.  A lost race is normal; out of
 * descriptors or memory, worker_loop() waits out a growing pause before
 * it takes again: the listener stays readable, so it would spin.
 */
static void
worker_take_failed(struct worker *w, const char *call)
{
	/* The retire handler closed the listeners under us. */
	if (w_retire &&
	    (errno == EBADF || errno == ENOTSOCK || errno == EINVAL))
		return;
	if (fault_kind(errno) == FAULT_PAUSE)
		fault_hit(&w->fault, worker_ms(), errno, "service %s: %s",
		    w->svc->name, call);
}

/* A take succeeded: no pause; a burst of failures may be over. */
static void
worker_took(struct worker *w, const char *call)
{
	if (FAULT_ACTIVE(&w->fault))
		fault_clear(&w->fault, worker_ms(), "service %s: %s",
		    w->svc->name, call);
}

static bool
worker_serve_dgram(struct worker *w, struct sockserv_server *srv, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	ssize_t n;
	double t0;
	int rv;

	n = recvfrom(fd, w_pkt, sizeof(w_pkt), MSG_DONTWAIT,
	    (struct sockaddr *)&ss, &len);
	if (n == -1) {
		worker_take_failed(w, "recvfrom");
		return false;
	}
	worker_took(w, "recvfrom");
	if (!acl_admit(w->svc, (struct sockaddr *)&ss)) {
		log_debug("service %s: datagram refused (acl)", w->svc->name);
		return true;
	}
	(void)scoreboard_busy((struct sockaddr *)&ss, false);
	t0 = os_monotonic();
	rv = sockserv_serve_datagram(srv, w_pkt, (size_t)n,
	    (struct sockaddr *)&ss, len);
	worker_log_request(w->svc, (struct sockaddr *)&ss, len, t0, rv);
	w->served++;
	scoreboard_idle();
	return true;
}

/* ------------------------------------------------------- thread mode */

/*
 * The library's thread strategy runs each request (sockserv_dispatch_*);
 * the worker keeps the policy: max_children over all its listeners,
 * max_per_source over its stream listeners, the per-request log line.
 */

/* A request thread is done: its log line, from that thread. */
static void
worker_thread_done(struct sockserv_request *req, int status, double secs)
{
	const struct sockaddr *sa;
	socklen_t len;

	sa = sockserv_request_client(req, &len);
	worker_log_request(w_svc, sa, len, os_monotonic() - secs, status);
}

/* Each server's finished threads wake the loop, as w_wake does. */
static void
worker_thread_setup(struct worker *w)
{
	struct epoll_event ev;
	size_t i;
	int fd;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = WAKE_TAG;
	for (i = 0; i < w->svc->naddrs; i++) {
		if (w->srv[i] == NULL)
			continue;
		sockserv_server_set_done(w->srv[i], worker_thread_done);
		if ((fd = sockserv_server_wakefd(w->srv[i])) == -1 ||
		    epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) == -1 ||
		    epoll_ctl(w->ep_wake, EPOLL_CTL_ADD, fd, &ev) == -1)
			log_fatal("service %s: thread wake-up", w->svc->name);
	}
}

/* Requests running on all listeners, or sa's over the stream ones. */
static int
worker_active_of(struct worker *w, const struct sockaddr *sa)
{
	size_t i;
	int n = 0;

	for (i = 0; i < w->svc->naddrs; i++) {
		if (w->srv[i] == NULL)
			continue;
		if (sa == NULL)
			n += sockserv_server_active(w->srv[i]);
		else if (w->svc->addrs[i].socktype == SOCK_STREAM)
			n += sockserv_server_active_client(w->srv[i], sa);
	}
	return n;
}

static int
worker_active(struct worker *w)
{
	return worker_active_of(w, NULL);
}

/* Woken: finished threads leave the count. */
static void
worker_collect(struct worker *w)
{
	size_t i;

	for (i = 0; i < w->svc->naddrs; i++)
		if (w->srv[i] != NULL)
			sockserv_server_collect(w->srv[i]);
}

/*
 * A connection to a thread of its own, unless its client already has
 * max_per_source of them.  The caller has made sure the worker is below
 * max_children.
 */
static void
worker_thread_conn(struct worker *w, struct sockserv_server *srv, int fd,
    const struct sockaddr *sa, socklen_t len)
{
	int mps = w->svc->max_per_source;

	if (mps > 0 && worker_active_of(w, sa) >= mps) {
		worker_log_refused(w->svc, sa, len, "max_per_source");
		close(fd);
		return;
	}
	if (sockserv_dispatch_connection(srv, fd, sa, len) == -1)
		log_warn("service %s", w->svc->name);
}

/* ---------------------------------------------------------- the loop */

/*
 * Listener i is readable: take one connection, or the datagrams queued
 * there (a batch at most); false if there was none.
 */
static bool
worker_take(struct worker *w, size_t i)
{
	struct sockserv_server *srv = w->srv[i];
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	ssize_t n;
	int fd, k;

	if (w->svc->addrs[i].socktype == SOCK_DGRAM) {
		/*
		 * Serve what is queued, a batch at most, before waiting again:
		 * an epoll_wait per datagram would add a syscall to each.
		 */
		if (w->svc->mode != MODE_THREAD) {
			for (k = 0; k < WORKER_DGRAM_BATCH &&
			     worker_serve_dgram(w, srv, w->svc->fds[i]);
			     k++)
				if (!worker_may_accept(w))
					return true;
			return k > 0;
		}
		n = recvfrom(w->svc->fds[i], w_pkt, sizeof(w_pkt), MSG_DONTWAIT,
		    (struct sockaddr *)&ss, &len);
		if (n == -1) {
			worker_take_failed(w, "recvfrom");
			return false;
		}
		worker_took(w, "recvfrom");
		if (acl_admit(w->svc, (struct sockaddr *)&ss) &&
		    sockserv_dispatch_datagram(srv, w_pkt, (size_t)n,
			(struct sockaddr *)&ss, len) == -1)
			log_warn("service %s", w->svc->name);
		return true;
	}
	fd =
	    accept4(w->svc->fds[i], (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
	if (fd == -1) {
		worker_take_failed(w, "accept");
		return false;
	}
	worker_took(w, "accept");
	if (w->svc->mode != MODE_THREAD) {
		worker_serve_stream(w, srv, fd, (struct sockaddr *)&ss, len);
		return true;
	}
	if (!acl_admit(w->svc, (struct sockaddr *)&ss)) {
		worker_log_refused(w->svc, (struct sockaddr *)&ss, len, "acl");
		close(fd);
	} else
		worker_thread_conn(w, srv, fd, (struct sockaddr *)&ss, len);
	return true;
}

/*
 * A retiring worker serves what it may already have been handed.  With
 * EPOLLEXCLUSIVE the kernel wakes one waiter per connection; a worker
 * woken just as it is retired (or at its request limit) would otherwise
 * leave that connection queued with no one woken for it, and a client
 * waiting for its reply would never send the connection that wakes the
 * next worker.  Once out of epoll_wait it can absorb no more wake-ups, so
 * one non-blocking look at each ready listener, a few accepts at most,
 * closes the gap.
 */
static void
worker_final_sweep(struct worker *w)
{
	struct epoll_event ev[WORKER_EVENTS];
	int n, k, tries;

	if (w_lclosed ||
	    (w->svc->mode == MODE_THREAD &&
		worker_active(w) >= w->svc->max_children))
		return;
	n = epoll_wait(w->ep, ev, WORKER_EVENTS, 0);
	for (k = 0; k < n; k++) {
		if (ev[k].data.u32 == WAKE_TAG)
			continue;
		for (tries = 0; tries < 4 && !w_lclosed; tries++)
			if (!worker_take(w, ev[k].data.u32))
				break;
	}
}

/* Ms left of the pause after a failed take; -1 if there is none. */
static int
worker_pause_left(const struct worker *w)
{
	uint64_t now;

	if (w->fault.until == 0 || (now = worker_ms()) >= w->fault.until)
		return -1;
	return (int)(w->fault.until - now);
}

/*
 * Wait for work and take it, until retired.  In thread mode at the
 * max_children cap only the wake pipe is watched: a finishing thread
 * writes to it, so no connection is accepted beyond the cap.  The same
 * during a pause after a failed take, until the pause is over.
 */
static void
worker_loop(struct worker *w)
{
	struct epoll_event ev[WORKER_EVENTS];
	bool thread = w->svc->mode == MODE_THREAD;
	int n, k, ep, pause;

	scoreboard_idle();
	while (worker_may_accept(w)) {
		pause = worker_pause_left(w);
		ep = pause >= 0 ||
			(thread && worker_active(w) >= w->svc->max_children)
		    ? w->ep_wake
		    : w->ep;
		n = epoll_wait(ep, ev, WORKER_EVENTS, pause);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_fatal("service %s: epoll_wait", w->svc->name);
		}
		for (k = 0; k < n; k++) {
			if (ev[k].data.u32 == WAKE_TAG) {
				worker_drain_wake();
				if (thread)
					worker_collect(w);
				continue;
			}
			if (!worker_may_accept(w))
				break;
			if (thread && worker_active(w) >= w->svc->max_children)
				break;
			/* Failed and pausing: the other listeners can wait. */
			if (!worker_take(w, ev[k].data.u32) &&
			    w->fault.until != 0)
				break;
		}
	}
	worker_final_sweep(w);
	/* Thread mode: the connections in hand finish first. */
	worker_drop_listeners_now();
	while (thread && worker_active(w) > 0)
		if (epoll_wait(w->ep_wake, ev, 1, -1) > 0) {
			worker_drain_wake();
			worker_collect(w);
		}
}

void
worker_pool(struct service *svc, int slot)
{
	struct worker w;

	if (pipe2(w_wake, O_CLOEXEC | O_NONBLOCK) == -1)
		log_fatal("service %s: worker pipe", svc->name);
	worker_signals();
	signal_reset_child();
	w_svc = svc;

	memset(&w, 0, sizeof(w));
	w.svc = svc;
	w.mod = svc->module->desc;
	worker_pool_setup(&w, svc);
	if (svc->mode == MODE_THREAD)
		worker_thread_setup(&w);
	log_debug("service %s: worker %ld (slot %d) ready", svc->name,
	    (long)getpid(), slot);
	worker_loop(&w);

	if (w.mod->fini != NULL)
		w.mod->fini(w.state);
	_exit(0);
}
