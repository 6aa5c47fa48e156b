/*
 * object.c -- what every part of the server object below the loop shares:
 * the self-pipe that wakes a waiting loop (shutdown(), a finished
 * request thread) and the reference count whose last release frees the
 * server (the owner holds one, each request thread another, so a
 * detached thread outliving server_close never touches freed memory).
 * The strategies use these; they must not call server.c, which calls
 * them.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "sockserv-int.h"

void
object_release(struct sockserv_server *srv)
{
	bool last;

	pthread_mutex_lock(&srv->lock);
	last = --srv->refs == 0;
	pthread_mutex_unlock(&srv->lock);
	if (!last)
		return;
	request_cache_free(srv);
	if (srv->reply_fd >= 0)
		close(srv->reply_fd);
	pthread_mutex_destroy(&srv->lock);
	if (srv->strategy->fini != NULL)
		srv->strategy->fini(srv);
	free(srv->unix_path);
	free(srv->kids);
	free(srv);
}

/*
 * The self-pipe, made when a loop first needs it rather than with the
 * server: a server that only runs sockserv_serve_connection (a forked
 * child of sockservd) never pays for it.  Only the serving thread creates
 * it; shutdown() sets its flag before it looks for the pipe and the loop
 * checks the flag after creating it, so a wake-up is never lost.
 */
int
object_wake_init(struct sockserv_server *srv)
{
	int p[2];

	if (srv->wake_rd >= 0)
		return 0;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1)
		return -1;
	srv->wake_rd = p[0];
	atomic_store(&srv->wake_wr, p[1]);
	return 0;
}

/*
 * Close the self-pipe.  With `lock', under srv->lock, since a finishing
 * thread writes to it under the lock; a new child (where no other thread
 * exists and the lock may have been copied held) passes false.
 */
void
object_wake_close(struct sockserv_server *srv, bool lock)
{
	int fd;

	if (lock)
		pthread_mutex_lock(&srv->lock);
	if ((fd = atomic_exchange(&srv->wake_wr, -1)) >= 0)
		close(fd);
	if (srv->wake_rd >= 0)
		close(srv->wake_rd);
	srv->wake_rd = -1;
	if (lock)
		pthread_mutex_unlock(&srv->lock);
}

/* Async-signal-safe: one write(2), errno preserved. */
void
object_wake(struct sockserv_server *srv)
{
	int e = errno, fd = atomic_load(&srv->wake_wr);

	if (fd >= 0)
		(void)!write(fd, "", 1);
	errno = e;
}

void
object_drain(struct sockserv_server *srv)
{
	char buf[64];

	while (srv->wake_rd >= 0 && read(srv->wake_rd, buf, sizeof(buf)) > 0)
		;
}
