/*
 * io.c -- the stream helpers (Python's rfile and wfile): a read buffer
 * over a descriptor with readline, read, readn, and an unbuffered
 * write-all.  Every call retries on EINTR, works on blocking and
 * non-blocking descriptors alike, and with an idle timeout polls before
 * each syscall so that a peer that stops moving bytes costs ETIMEDOUT,
 * not a stuck process.  The stream never closes its descriptor.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockserv-int.h"

struct sockserv_io *
sockserv_io_new(int fd, int timeout_ms)
{
	struct sockserv_io *io;

	if (fd < 0) {
		errno = EBADF;
		return NULL;
	}
	if ((io = malloc(sizeof(*io) + SOCKSERV_IO_BUFSZ)) == NULL)
		return NULL;
	io->fd = fd;
	io->timeout_ms = timeout_ms;
	io->off = io->len = 0;
	io->cap = SOCKSERV_IO_BUFSZ;
	return io;
}

void
sockserv_io_free(struct sockserv_io *io)
{
	free(io);
}

int
sockserv_io_fd(const struct sockserv_io *io)
{
	return io->fd;
}

void
sockserv_io_set_timeout(struct sockserv_io *io, int timeout_ms)
{
	io->timeout_ms = timeout_ms;
}

size_t
sockserv_io_pending(const struct sockserv_io *io)
{
	return io->len;
}

/*
 * Wait until fd is ready for `events' or the idle timeout passes.  EINTR
 * restarts the wait with the time that is left.
 */
static int
io_wait(const struct sockserv_io *io, short events)
{
	struct pollfd pfd;
	double deadline = 0, left;
	int ms = io->timeout_ms, rv;

	if (ms >= 0)
		deadline = os_monotonic() + ms / 1000.0;
	for (;;) {
		pfd.fd = io->fd;
		pfd.events = events;
		pfd.revents = 0;
		if ((rv = poll(&pfd, 1, ms)) > 0)
			return 0; /* errors and hang-ups: the syscall says */
		if (rv == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
		if (io->timeout_ms >= 0) {
			left = deadline - os_monotonic();
			ms = left <= 0 ? 0 : sock_poll_ms(left);
		}
	}
}

/* One read(2) into dst, honouring the timeout; 0 at EOF. */
static ssize_t
io_read1(struct sockserv_io *io, void *dst, size_t n)
{
	ssize_t r;

	for (;;) {
		if (io->timeout_ms >= 0 && io_wait(io, POLLIN) == -1)
			return -1;
		if ((r = read(io->fd, dst, n)) >= 0)
			return r;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (io->timeout_ms < 0 && io_wait(io, POLLIN) == -1)
			return -1;
	}
}

/* Append to the buffer; 0 at EOF. */
static ssize_t
io_fill(struct sockserv_io *io)
{
	ssize_t r;

	if (io->off > 0) {
		memmove(io->buf, io->buf + io->off, io->len);
		io->off = 0;
	}
	if (io->len == io->cap)
		return (ssize_t)io->len;
	if ((r = io_read1(io, io->buf + io->len, io->cap - io->len)) > 0)
		io->len += (size_t)r;
	return r;
}

static void
io_take(struct sockserv_io *io, void *dst, size_t n)
{
	memcpy(dst, io->buf + io->off, n);
	io->off += n;
	io->len -= n;
	if (io->len == 0)
		io->off = 0;
}

ssize_t
sockserv_io_readline(struct sockserv_io *io, char *buf, size_t max)
{
	size_t got = 0, room, n;
	char *nl;
	ssize_t r;

	if (max == 0) {
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		room = max - 1 - got;
		n = io->len < room ? io->len : room;
		nl = memchr(io->buf + io->off, '\n', n);
		if (nl != NULL)
			n = (size_t)(nl - (io->buf + io->off)) + 1;
		io_take(io, buf + got, n);
		got += n;
		buf[got] = '\0';
		if (nl != NULL)
			return (ssize_t)got;
		if (got == max - 1) {
			errno = EMSGSIZE;
			return -1;
		}
		if ((r = io_fill(io)) == -1)
			return -1;
		if (r == 0)
			return (ssize_t)got;
	}
}

ssize_t
sockserv_io_read(struct sockserv_io *io, void *buf, size_t n)
{
	ssize_t r;

	if (n == 0)
		return 0;
	if (io->len == 0) {
		if (n >= io->cap)
			return io_read1(io, buf, n);
		if ((r = io_fill(io)) <= 0)
			return r;
	}
	if (n > io->len)
		n = io->len;
	io_take(io, buf, n);
	return (ssize_t)n;
}

int
sockserv_io_readn(struct sockserv_io *io, void *buf, size_t n)
{
	char *p = buf;
	ssize_t r;

	while (n > 0) {
		if ((r = sockserv_io_read(io, p, n)) == -1)
			return -1;
		if (r == 0) {
			errno = EPIPE;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * send(MSG_NOSIGNAL) so that a vanished peer is EPIPE, not SIGPIPE.  With
 * an idle timeout the write must not block past what poll promised: a
 * socket gets MSG_DONTWAIT, anything else (a blocking pipe) at most
 * PIPE_BUF bytes at a time, which POLLOUT guarantees to fit.
 */
static ssize_t
io_write1(const struct sockserv_io *io, const void *buf, size_t n,
    bool *notsock)
{
	ssize_t r;

	if (!*notsock) {
		r = send(io->fd, buf, n,
		    MSG_NOSIGNAL | (io->timeout_ms >= 0 ? MSG_DONTWAIT : 0));
		if (r != -1 || errno != ENOTSOCK)
			return r;
		*notsock = true;
	}
	if (io->timeout_ms >= 0 && n > PIPE_BUF)
		n = PIPE_BUF;
	return write(io->fd, buf, n);
}

int
sockserv_io_write(struct sockserv_io *io, const void *buf, size_t n)
{
	const char *p = buf;
	bool notsock = false;
	ssize_t r;

	while (n > 0) {
		if (io->timeout_ms >= 0 && io_wait(io, POLLOUT) == -1)
			return -1;
		if ((r = io_write1(io, p, n, &notsock)) >= 0) {
			p += r;
			n -= (size_t)r;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (io->timeout_ms < 0 && io_wait(io, POLLOUT) == -1)
			return -1;
	}
	return 0;
}
