/*
 * sockserv-int.h -- libsockserv's private structures, shared by its files.
 *
 * The server object, the request object, the buffered stream and the child
 * table live here so that server.c (the loop), request.c (the lifecycle),
 * fork.c, thread.c and prefork.c (the concurrency strategies) and kids.c
 * (the child table) can share them.  Nothing here is part of the API;
 * sockserv.h is.
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

#define SOCKSERV_IO_BUFSZ	8192

struct sockserv_io {
	int		 fd;
	int		 timeout_ms;	/* idle limit per syscall; <0 none */
	size_t		 off;		/* first unread byte in buf */
	size_t		 len;		/* unread bytes from off */
	size_t		 cap;
	char		 buf[];
};

struct sockserv_request {
	struct sockserv_server	*srv;
	int			 fd;	   /* stream: the connection; dgram:
					      the server socket */
	int			 socktype;
	bool			 closed;   /* shutdown/close_request done */
	bool			 cached;   /* srv->spare: reused, not freed */
	struct sockaddr_storage	 peer;
	socklen_t		 peerlen;
	void			*data;
	int			 err;	   /* errno of a failed setup or
					      handle; 0: none */
	struct sockserv_io	*io;
	struct sockserv_io	*spare_io; /* cached: the stream to reuse */
	const void		*pkt;
	size_t			 pktlen;
	char			 pktbuf[];   /* dgram: max_packet_size bytes */
};

/* A process we forked: a per-request child or a prefork worker. */
struct sockserv_child {
	pid_t		 pid;
	int		 pidfd;		/* -1 where pidfd_open is missing */
	bool		 retiring;	/* prefork: told to stop */
	double		 started;	/* monotonic seconds */
};

struct sockserv_thread;
TAILQ_HEAD(sockserv_threadq, sockserv_thread);

struct sockserv_server {
	int			 fd;
	int			 reply_fd;	/* a closed datagram socket that
					   running threads still reply on */
	int			 family;
	int			 socktype;
	struct sockserv_options	 opt;
	struct sockserv_handler	 h;
	struct sockserv_hooks	 hooks;
	void			*ctx;
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;

	/* The Unix socket file we created, removed by server_close. */
	char			*unix_path;
	dev_t			 unix_dev;
	ino_t			 unix_ino;
	pid_t			 creator;

	/* shutdown(): a flag plus a byte in the self-pipe. */
	atomic_int		 stop;
	int			 wake_rd;	/* created on first use */
	atomic_int		 wake_wr;

	/* fork and prefork: the processes we spawned. */
	struct sockserv_child	*kids;
	int			 nkids;
	int			 kidcap;

	/* thread: live threads, finished ones awaiting join. */
	pthread_mutex_t		 lock;
	struct sockserv_threadq	 done;
	int			 nthreads;	/* running */
	int			 njoinable;	/* running, to be joined */
	int			 refs;		/* owner + each thread */

	/*
	 * prefork: the parent keeps the write end of a pipe every worker
	 * polls; closing it stops them.  shutdown() closes it itself, so no
	 * worker accepts once shutdown() has returned; an atomic exchange
	 * makes sure one closer only does.
	 */
	int			 stop_rd;
	atomic_int		 stop_wr;
	atomic_int		*stopping;	/* MAP_SHARED: checked by workers
						   after each wake-up */
	bool			 in_worker;
	_Atomic(struct sockserv_request *) spare; /* see request_cache_init */
	bool			 handoff;	/* thread_process took the request */
};

/* addr.c */
int	addr_sockaddr_port(const struct sockaddr *sa);

/* sock.c */
int	sock_poll_ms(double seconds);
int	sock_set_nonblock_cloexec(int fd);

/* server.c */
int	server_wake_init(struct sockserv_server *srv);
void	server_wake_close(struct sockserv_server *srv, bool lock);
void	server_wake(struct sockserv_server *srv);
void	server_drain(struct sockserv_server *srv);
void	server_release(struct sockserv_server *srv);
int	server_handle_noblock(struct sockserv_server *srv);

/* request.c */
struct sockserv_request *request_new(struct sockserv_server *srv, int fd,
	    int socktype, const struct sockaddr *peer, socklen_t peerlen,
	    size_t pktroom);
void	request_free(struct sockserv_request *req);
int	request_cache_init(struct sockserv_server *srv);
void	request_cache_free(struct sockserv_server *srv);
struct sockserv_request *request_get(struct sockserv_server *srv);
int	request_finish(struct sockserv_request *req);
void	request_run(struct sockserv_request *req);
void	request_shutdown(struct sockserv_request *req);
void	request_close(struct sockserv_request *req);
void	request_error(struct sockserv_request *req);

/* kids.c */
int	kids_add(struct sockserv_server *srv, pid_t pid);
int	kids_reap(struct sockserv_server *srv, bool block);
int	kids_pollfds(struct sockserv_server *srv, struct pollfd *pfd, int max);
void	kids_forget_in_child(struct sockserv_server *srv);

/* fork.c */
int	fork_process(struct sockserv_server *srv, struct sockserv_request *req);
bool	fork_full(const struct sockserv_server *srv);

/* thread.c */
int	thread_process(struct sockserv_server *srv, struct sockserv_request *req);
bool	thread_full(struct sockserv_server *srv);
void	thread_join_done(struct sockserv_server *srv);
void	thread_close(struct sockserv_server *srv);
int	thread_active(struct sockserv_server *srv);

/* prefork.c */
int	prefork_init(struct sockserv_server *srv);
int	prefork_serve(struct sockserv_server *srv, double poll_interval);
void	prefork_close(struct sockserv_server *srv);
void	prefork_signal(struct sockserv_server *srv);

#endif /* SOCKSERV_INT_H */
