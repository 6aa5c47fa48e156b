/*
 * sockserv-int.h -- libsockserv's private structures, shared by its files.
 *
 * The server object, the request object, the buffered stream, the child
 * table and the strategy table live here so that server.c (the loop),
 * object.c (the self-pipe and reference count), request.c (the
 * lifecycle), sync.c, fork.c, thread.c and prefork.c (the concurrency
 * strategies) and kids.c (the child table) can share them.  Nothing here
 * is part of the API; sockserv.h is.
 *
 * The files form layers, each calling only the ones below it:
 *	server.c				the loop, construction, close
 *	sync.c fork.c thread.c prefork.c	the strategies
 *	kids.c object.c				children; self-pipe, refs
 *	request.c				one request's life
 *	io.c addr.c sock.c			streams, addresses, sockets
 * A strategy reaches the loop only through the table below.
 */
#ifndef SOCKSERV_INT_H
#define SOCKSERV_INT_H

#include <sys/queue.h>
#include <sys/types.h>

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "os.h"
#include "sockserv.h"

#define SOCKSERV_IO_BUFSZ 8192

struct sockserv_io {
	int fd;
	int timeout_ms; /* idle limit per syscall; <0 none */
	size_t off;	/* first unread byte in buf */
	size_t len;	/* unread bytes from off */
	size_t cap;
	char buf[];
};

struct sockserv_request {
	struct sockserv_server *srv;
	int fd; /* stream: the connection; dgram:
		   the server socket */
	int socktype;
	bool closed; /* shutdown/close_request done */
	bool cached; /* srv->spare: reused, not freed */
	struct sockaddr_storage peer;
	socklen_t peerlen;
	void *data;
	int err; /* errno of a failed setup or
		    handle; 0: none */
	struct sockserv_io *io;
	struct sockserv_io *spare_io; /* cached: the stream to reuse */
	const void *pkt;
	size_t pktlen;
	char pktbuf[]; /* dgram: max_packet_size bytes */
};

/* A process we forked: a per-request child or a prefork worker. */
struct sockserv_child {
	pid_t pid;
	int pidfd;	/* -1 where pidfd_open is missing */
	bool retiring;	/* prefork: told to stop */
	double started; /* monotonic seconds */
};

struct sockserv_thread;
TAILQ_HEAD(sockserv_threadq, sockserv_thread);

/*
 * A concurrency strategy, CPython's mix-in: how a request is processed
 * and what the loop does around it.  sync.c, fork.c, thread.c and
 * prefork.c each define one; the server picks its table when created
 * and server.c and request.c call a strategy only through it.  A NULL
 * member means "nothing to do" (accepting: always).
 */
struct strategy {
	/* With the server, and at its last release. */
	int (*init)(struct sockserv_server *srv);
	void (*fini)(struct sockserv_server *srv);
	/* Replaces serve_forever's loop (prefork's supervising parent). */
	int (*serve_forever)(struct sockserv_server *srv, double poll_interval);
	/* process_request: 0, or -1 for handle_error (srv->handoff). */
	int (*process)(struct sockserv_server *srv,
	    struct sockserv_request *req);
	/* Below the cap: the loop polls the listener. */
	bool (*accepting)(struct sockserv_server *srv);
	/*
	 * At the cap: up to waitfds(srv) descriptors to poll for the end of
	 * a child; pollfds fills them and may shorten *ms.
	 */
	int (*waitfds)(const struct sockserv_server *srv);
	int (*pollfds)(struct sockserv_server *srv, struct pollfd *pfd, int max,
	    int *ms);
	/* Housekeeping each turn, and handle_timeout's default. */
	void (*collect)(struct sockserv_server *srv);
	void (*timeout)(struct sockserv_server *srv);
	/* shutdown(): async-signal-safe. */
	void (*signal)(struct sockserv_server *srv);
	/* server_close, after the listener: wait for what is running. */
	void (*close)(struct sockserv_server *srv);
	int (*active)(struct sockserv_server *srv);
	/* Requests of sa's client running now; NULL: not counted. */
	int (*clients)(struct sockserv_server *srv, const struct sockaddr *sa);
	/*
	 * Requests run on threads of their own: allocated per request (no
	 * cache), and a datagram socket outlives server_close for replies.
	 */
	bool threads;
};

struct sockserv_server {
	int fd;
	int reply_fd; /* a closed datagram socket that
		 running threads still reply on */
	int family;
	int socktype;
	struct sockserv_options opt;
	const struct strategy *strategy; /* by opt.mode */
	struct sockserv_handler h;
	struct sockserv_hooks hooks;
	sockserv_done_fn on_done; /* or NULL */
	void *ctx;
	struct sockaddr_storage addr;
	socklen_t addrlen;

	/* The Unix socket file we created, removed by server_close. */
	char *unix_path;
	dev_t unix_dev;
	ino_t unix_ino;
	pid_t creator;

	/* shutdown(): a flag plus a byte in the self-pipe. */
	atomic_int stop;
	int wake_rd; /* created on first use */
	atomic_int wake_wr;

	/* fork and prefork: the processes we spawned. */
	struct sockserv_child *kids;
	int nkids;
	int kidcap;

	/* thread: live threads, finished ones awaiting join. */
	pthread_mutex_t lock;
	struct sockserv_threadq running;
	struct sockserv_threadq done;
	int nthreads;  /* running */
	int njoinable; /* running, to be joined */
	int refs;      /* owner + each thread */

	/*
	 * prefork: the parent keeps the write end of a pipe every worker
	 * polls; closing it stops them.  shutdown() closes it itself, so no
	 * worker accepts once shutdown() has returned; an atomic exchange
	 * makes sure one closer only does.
	 */
	int stop_rd;
	atomic_int stop_wr;
	atomic_int *stopping; /* MAP_SHARED: checked by workers
				 after each wake-up */
	_Atomic(struct sockserv_request *) spare; /* see request_cache_init */
	bool handoff; /* thread_process took the request */
};

/* addr.c */
int addr_sockaddr_port(const struct sockaddr *sa);

/* sock.c */
int sock_poll_ms(double seconds);
int sock_set_nonblock_cloexec(int fd);

/* object.c */
int object_wake_init(struct sockserv_server *srv);
void object_wake_close(struct sockserv_server *srv, bool lock);
void object_wake(struct sockserv_server *srv);
void object_drain(struct sockserv_server *srv);
void object_release(struct sockserv_server *srv);

/* request.c */
struct sockserv_request *request_new(struct sockserv_server *srv, int fd,
    int socktype, const struct sockaddr *peer, socklen_t peerlen,
    size_t pktroom);
void request_free(struct sockserv_request *req);
int request_cache_init(struct sockserv_server *srv);
void request_cache_free(struct sockserv_server *srv);
struct sockserv_request *request_get(struct sockserv_server *srv);
int request_run(struct sockserv_request *req);
void request_shutdown(struct sockserv_request *req);
void request_close(struct sockserv_request *req);
int request_handle_noblock(struct sockserv_server *srv);

/* kids.c */
int kids_add(struct sockserv_server *srv, pid_t pid);
int kids_reap(struct sockserv_server *srv, bool block);
int kids_pollfds(struct sockserv_server *srv, struct pollfd *pfd, int max);
void kids_forget_in_child(struct sockserv_server *srv);
int kids_active(struct sockserv_server *srv);
void kids_close(struct sockserv_server *srv);

/* The strategies: sync.c, fork.c, thread.c, prefork.c. */
extern const struct strategy sync_strategy;
extern const struct strategy fork_strategy;
extern const struct strategy thread_strategy;
extern const struct strategy prefork_strategy;
int sync_process(struct sockserv_server *srv, struct sockserv_request *req);

#endif /* SOCKSERV_INT_H */
