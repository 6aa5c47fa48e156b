/*
 * thread.c -- ThreadingMixIn: a thread per request.  Unlike CPython the
 * number of live request threads is capped by max_children: at the cap
 * the loop stops polling the listener until a thread ends, and an ending
 * thread wakes the loop with a byte in the self-pipe.  A thread's
 * bookkeeping is dropped when its request ends: daemon threads (and all
 * threads when block_on_close is off) are detached and free their own
 * record; the others queue it for the loop, which joins them on its next
 * turn, and server_close joins whatever is left.  Each thread holds a
 * reference on the server, so a detached thread outliving server_close
 * never touches freed memory.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockserv-int.h"

struct sockserv_thread {
	TAILQ_ENTRY(sockserv_thread) entry; /* srv->running, then done */
	pthread_t tid;
	struct sockserv_request *req;
	bool joinable;
	int family;	 /* the client's key: */
	uint32_t key[4]; /* sockserv_sockaddr_key */
};

static void *
thread_main(void *arg)
{
	struct sockserv_thread *t = arg;
	struct sockserv_server *srv = t->req->srv;
	bool joinable = t->joinable;
	int e, wfd;

	(void)request_run(t->req);
	request_free(t->req);
	t->req = NULL;
	pthread_mutex_lock(&srv->lock);
	TAILQ_REMOVE(&srv->running, t, entry);
	srv->nthreads--;
	if (joinable)
		TAILQ_INSERT_TAIL(&srv->done, t, entry); /* the loop frees t */
	if ((wfd = atomic_load(&srv->wake_wr)) >= 0) {
		e = errno;
		(void)!write(wfd, "", 1);
		errno = e;
	}
	pthread_mutex_unlock(&srv->lock);
	if (!joinable)
		free(t);
	object_release(srv);
	return NULL;
}

/*
 * Start the thread with every signal blocked, so that signals meant for
 * the program reach its main thread, not a request thread.
 */
static int
thread_start(struct sockserv_thread *t)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int rv;

	if ((rv = pthread_attr_init(&attr)) != 0)
		return rv;
	if (!t->joinable)
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rv = pthread_create(&t->tid, &attr, thread_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return rv;
}

/* ThreadingMixIn.process_request: the thread owns req from now on. */
static int
thread_process(struct sockserv_server *srv, struct sockserv_request *req)
{
	struct sockserv_thread *t;
	int rv;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	t->req = req;
	t->joinable = srv->opt.block_on_close && !srv->opt.daemon_threads;
	t->family =
	    sockserv_sockaddr_key((struct sockaddr *)&req->peer, t->key);
	pthread_mutex_lock(&srv->lock);
	TAILQ_INSERT_TAIL(&srv->running, t, entry);
	srv->refs++;
	srv->nthreads++;
	if (t->joinable)
		srv->njoinable++;
	pthread_mutex_unlock(&srv->lock);
	if ((rv = thread_start(t)) != 0) {
		pthread_mutex_lock(&srv->lock);
		TAILQ_REMOVE(&srv->running, t, entry);
		srv->refs--;
		srv->nthreads--;
		if (t->joinable)
			srv->njoinable--;
		pthread_mutex_unlock(&srv->lock);
		free(t);
		errno = rv;
		return -1;
	}
	srv->handoff = true;
	return 0;
}

static bool
thread_accepting(struct sockserv_server *srv)
{
	bool full;

	pthread_mutex_lock(&srv->lock);
	full = srv->nthreads >= srv->opt.max_children;
	pthread_mutex_unlock(&srv->lock);
	return !full;
}

static int
thread_active(struct sockserv_server *srv)
{
	int n;

	pthread_mutex_lock(&srv->lock);
	n = srv->nthreads;
	pthread_mutex_unlock(&srv->lock);
	return n;
}

/* Running requests from sa's client (sockserv_sockaddr_key). */
static int
thread_clients(struct sockserv_server *srv, const struct sockaddr *sa)
{
	struct sockserv_thread *t;
	uint32_t key[4];
	int family, n = 0;

	if ((family = sockserv_sockaddr_key(sa, key)) == 0)
		return 0;
	pthread_mutex_lock(&srv->lock);
	TAILQ_FOREACH(t, &srv->running, entry)
		if (t->family == family &&
		    memcmp(t->key, key, sizeof(key)) == 0)
			n++;
	pthread_mutex_unlock(&srv->lock);
	return n;
}

/* Join the threads that have finished; returns at once otherwise. */
static void
thread_join_done(struct sockserv_server *srv)
{
	struct sockserv_thread *t;

	for (;;) {
		pthread_mutex_lock(&srv->lock);
		if ((t = TAILQ_FIRST(&srv->done)) != NULL) {
			TAILQ_REMOVE(&srv->done, t, entry);
			srv->njoinable--;
		}
		pthread_mutex_unlock(&srv->lock);
		if (t == NULL)
			return;
		pthread_join(t->tid, NULL);
		free(t);
	}
}

/*
 * server_close: join every joinable thread.  They announce their end
 * through the self-pipe, which is still open here.
 */
static void
thread_close(struct sockserv_server *srv)
{
	struct pollfd pfd;
	int left;

	for (;;) {
		thread_join_done(srv);
		pthread_mutex_lock(&srv->lock);
		left = srv->njoinable;
		pthread_mutex_unlock(&srv->lock);
		if (left == 0)
			return;
		pfd.fd = srv->wake_rd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 100) > 0)
			object_drain(srv);
	}
}

const struct strategy thread_strategy = {
    .process = thread_process,
    .accepting = thread_accepting,
    .collect = thread_join_done,
    .close = thread_close,
    .active = thread_active,
    .clients = thread_clients,
    .threads = true,
};
