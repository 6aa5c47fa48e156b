/*
 * request.c -- the request object and its lifecycle, as CPython's
 * BaseRequestHandler and the server's per-request methods: get_request
 * (accept or recvfrom), the handler's setup / handle / finish (finish runs
 * whatever handle returned, nothing runs after a failed setup),
 * handle_error, and shutdown_request (shutdown(SHUT_WR), errors ignored,
 * then close), which runs exactly once per request.  One function,
 * request_serve, owns a request's life from verify_request to its free,
 * whether the loop took it (processed through the strategy) or a caller
 * handed it in (sockserv_serve_connection / _datagram, the engine entry
 * points through which sockservd runs a handler on a connection or a
 * datagram it received itself, processed in the calling thread).
 * Datagram requests carry the packet and reply with sendto on the server
 * socket.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockserv-int.h"

struct sockserv_request *
request_new(struct sockserv_server *srv, int fd, int socktype,
    const struct sockaddr *peer, socklen_t peerlen, size_t pktroom)
{
	struct sockserv_request *req;

	if ((req = calloc(1, sizeof(*req) + pktroom)) == NULL)
		return NULL;
	req->srv = srv;
	req->fd = fd;
	req->socktype = socktype;
	if (peer != NULL && peerlen > 0) {
		if (peerlen > sizeof(req->peer))
			peerlen = sizeof(req->peer);
		memcpy(&req->peer, peer, peerlen);
		req->peerlen = peerlen;
	}
	return req;
}

void
request_free(struct sockserv_request *req)
{
	struct sockserv_server *srv;

	if (req == NULL)
		return;
	srv = req->srv;
	if (req->cached) {
		struct sockserv_request *none = NULL;

		if (req->io != NULL) {
			if (req->spare_io != NULL) /* not taken: never is */
				sockserv_io_free(req->spare_io);
			req->spare_io = req->io;
		}
		req->io = NULL;
		if (atomic_compare_exchange_strong(&srv->spare, &none, req))
			return;
	}
	sockserv_io_free(req->io);
	sockserv_io_free(req->spare_io);
	free(req);
}

/*
 * One request object, with its stream or packet buffer, made in the
 * serving process before any fork and reused by the loop thread: sync,
 * fork (the parent) and prefork modes then allocate nothing per request,
 * and a new child or worker need not call malloc before its handler
 * does.  Thread mode allocates per request, since threads free them.
 */
int
request_cache_init(struct sockserv_server *srv)
{
	struct sockserv_request *req;
	size_t room;

	if (atomic_load(&srv->spare) != NULL || srv->strategy->threads)
		return 0;
	room = srv->socktype == SOCK_DGRAM ? srv->opt.max_packet_size : 0;
	if ((req = calloc(1, sizeof(*req) + room)) == NULL)
		return -1;
	if (srv->socktype == SOCK_STREAM &&
	    (req->spare_io = sockserv_io_new(STDIN_FILENO, -1)) == NULL) {
		free(req);
		return -1;
	}
	req->srv = srv;
	req->cached = true;
	atomic_store(&srv->spare, req);
	return 0;
}

void
request_cache_free(struct sockserv_server *srv)
{
	struct sockserv_request *req = atomic_exchange(&srv->spare, NULL);

	if (req == NULL)
		return;
	req->cached = false;
	request_free(req);
}

/* request_new, from the cache when the loop thread has one. */
static struct sockserv_request *
request_take(struct sockserv_server *srv, int fd, int socktype,
    const struct sockaddr *peer, socklen_t peerlen, size_t pktroom)
{
	struct sockserv_request *req;
	struct sockserv_io *io;

	/* Atomic: sockserv_serve_connection() may run in several threads. */
	if (srv->strategy->threads ||
	    (req = atomic_exchange(&srv->spare, NULL)) == NULL)
		return request_new(srv, fd, socktype, peer, peerlen, pktroom);
	io = req->spare_io;
	memset(req, 0, sizeof(*req));
	req->srv = srv;
	req->cached = true;
	req->spare_io = io;
	req->fd = fd;
	req->socktype = socktype;
	if (peer != NULL && peerlen > 0 && peerlen <= sizeof(req->peer)) {
		memcpy(&req->peer, peer, peerlen);
		req->peerlen = peerlen;
	}
	return req;
}

/* Write one byte per page of [p, p + len): no copy-on-write later. */
static void
request_touch(void *p, size_t len)
{
	volatile char *c = p;
	size_t i;

	for (i = 0; i < len; i += 4096)
		c[i] = c[i];
	if (len > 0)
		c[len - 1] = c[len - 1];
}

void
sockserv_server_prefault(struct sockserv_server *srv)
{
	struct sockserv_request *req = atomic_load(&srv->spare);

	request_touch(srv, sizeof(*srv));
	if (req == NULL)
		return;
	request_touch(req, sizeof(*req));
	if (req->spare_io != NULL)
		request_touch(req->spare_io,
		    sizeof(*req->spare_io) + req->spare_io->cap);
}

/* A stream connection's per-request socket options. */
static void
request_conn_opts(struct sockserv_server *srv, int fd)
{
	int one = 1;

	/* An unbound server (AF_UNSPEC) does not know: try, it is harmless. */
	if (srv->opt.tcp_nodelay &&
	    (srv->family == AF_INET || srv->family == AF_INET6 ||
		srv->family == AF_UNSPEC))
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
}

/*
 * get_request: accept a connection or receive a datagram.  NULL when
 * nothing came (EAGAIN: another waiter got it) or on error; the caller
 * drops it silently, as CPython does.
 */
struct sockserv_request *
request_get(struct sockserv_server *srv)
{
	struct sockserv_request *req;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	ssize_t n;
	int fd;

	if (srv->socktype == SOCK_STREAM) {
		do
			fd = accept4(srv->fd, (struct sockaddr *)&ss, &sslen,
			    SOCK_CLOEXEC);
		while (fd == -1 && errno == EINTR);
		if (fd == -1)
			return NULL;
		request_conn_opts(srv, fd);
		if ((req = request_take(srv, fd, SOCK_STREAM,
			 (struct sockaddr *)&ss, sslen, 0)) == NULL)
			close(fd);
		return req;
	}
	if ((req = request_take(srv, srv->fd, SOCK_DGRAM, NULL, 0,
		 srv->opt.max_packet_size)) == NULL)
		return NULL;
	do
		n = recvfrom(srv->fd, req->pktbuf, srv->opt.max_packet_size, 0,
		    (struct sockaddr *)&req->peer, &sslen);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		request_free(req);
		return NULL;
	}
	req->peerlen = sslen;
	req->pkt = req->pktbuf;
	req->pktlen = (size_t)n;
	return req;
}

/*
 * finish_request: run the handler.  0 if it succeeded, 1 if setup or
 * handle failed, its errno kept in req->err for handle_error (finish,
 * which runs after handle in every case, may change errno).
 */
static int
request_finish(struct sockserv_request *req)
{
	const struct sockserv_handler *h = &req->srv->h;
	int rv = 0;

	errno = 0; /* a handler that fails without errno: no reason */
	if (h->setup != NULL && h->setup(req) == -1) {
		req->err = errno;
		return 1;
	}
	if (h->handle != NULL && h->handle(req) == -1) {
		req->err = errno;
		rv = 1;
	}
	if (h->finish != NULL)
		h->finish(req);
	return rv;
}

static void
request_error(struct sockserv_request *req)
{
	struct sockserv_server *srv = req->srv;

	if (srv->hooks.handle_error != NULL)
		srv->hooks.handle_error(srv, req);
	else
		sockserv_handle_error(srv, req);
}

/* shutdown_request, at most once; the shared datagram socket stays. */
void
request_shutdown(struct sockserv_request *req)
{
	if (req->closed)
		return;
	req->closed = true;
	if (req->socktype != SOCK_STREAM || req->fd < 0)
		return;
	(void)shutdown(req->fd, SHUT_WR);
	close(req->fd);
	req->fd = -1;
}

/* close_request only: a forking parent's copy of the connection. */
void
request_close(struct sockserv_request *req)
{
	if (req->closed)
		return;
	req->closed = true;
	if (req->socktype == SOCK_STREAM && req->fd >= 0) {
		close(req->fd);
		req->fd = -1;
	}
}

/*
 * Process here: handle, report, shut down, tell the done callback.  0 if
 * the handler succeeded, 1 if it failed (the exit status of a forked
 * child).
 */
int
request_run(struct sockserv_request *req)
{
	sockserv_done_fn done = req->srv->on_done;
	double t0 = 0;
	int rv;

	if (done != NULL)
		t0 = os_monotonic();
	if ((rv = request_finish(req)) != 0)
		request_error(req);
	request_shutdown(req);
	if (done != NULL)
		done(req, rv, os_monotonic() - t0);
	return rv;
}

int
sockserv_process_request(struct sockserv_server *srv,
    struct sockserv_request *req)
{
	return srv->strategy->process(srv, req);
}

void
sockserv_handle_error(struct sockserv_server *srv, struct sockserv_request *req)
{
	char addr[SOCKSERV_ADDRSTRLEN], line[SOCKSERV_ADDRSTRLEN + 192];
	int e = errno, n;

	if (req->peerlen == 0 ||
	    sockserv_sockaddr_format((const struct sockaddr *)&req->peer,
		req->peerlen, addr, sizeof(addr)) < 0)
		snprintf(addr, sizeof(addr), "unknown");
	n = snprintf(line, sizeof(line),
	    "sockserv[%ld]: error processing request from %s: %s\n",
	    (long)getpid(), addr,
	    req->err != 0 ? strerror(req->err) : "no reason given");
	if (n > 0)
		(void)!write(STDERR_FILENO, line,
		    (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	errno = e;
}

/* ------------------------------------------------------------ the lifecycle */

#define REQUEST_GONE 2 /* a thread owns the request now */

/*
 * process_request through the hook or the strategy: 0, -1 for
 * handle_error, or REQUEST_GONE when the strategy handed the request to
 * a thread (srv->handoff: a hook returns what it likes).
 */
static int
request_dispatch(struct sockserv_server *srv, struct sockserv_request *req)
{
	int rv;

	srv->handoff = false;
	if (srv->hooks.process_request != NULL)
		rv = srv->hooks.process_request(srv, req);
	else
		rv = sockserv_process_request(srv, req);
	if (srv->handoff)
		return REQUEST_GONE;
	return rv == -1 ? -1 : 0;
}

/*
 * One request's life: verify_request, process (dispatched through the
 * strategy, or run here), handle_error for a process that failed,
 * shutdown_request exactly once, free.  Returns 0, or 1 when the handler
 * ran here and failed.
 */
static int
request_serve(struct sockserv_request *req, bool dispatch)
{
	struct sockserv_server *srv = req->srv;
	int rv = 0;

	if (srv->hooks.verify_request == NULL ||
	    srv->hooks.verify_request(srv, req)) {
		rv = dispatch ? request_dispatch(srv, req) : request_run(req);
		if (rv == REQUEST_GONE)
			return 0;
		if (rv == -1) {
			if (req->err == 0)
				req->err = errno; /* why processing failed */
			request_error(req);
			rv = 0;
		}
	}
	request_shutdown(req);
	request_free(req);
	return rv;
}

/* The loop's _handle_request_noblock: get one request and serve it. */
int
request_handle_noblock(struct sockserv_server *srv)
{
	struct sockserv_request *req;

	if ((req = request_get(srv)) != NULL)
		(void)request_serve(req, true);
	return 0;
}

/* ------------------------------------------------------ engine entry points */

/* A request for a connection accepted elsewhere; closed if none. */
static struct sockserv_request *
request_accepted(struct sockserv_server *srv, int conn_fd,
    const struct sockaddr *peer, socklen_t peerlen)
{
	struct sockserv_request *req;

	request_conn_opts(srv, conn_fd);
	req = request_take(srv, conn_fd, SOCK_STREAM, peer, peerlen, 0);
	if (req == NULL) {
		(void)shutdown(conn_fd, SHUT_WR);
		close(conn_fd);
	}
	return req;
}

int
sockserv_serve_connection(struct sockserv_server *srv, int conn_fd,
    const struct sockaddr *peer, socklen_t peerlen)
{
	struct sockserv_request *req;

	if ((req = request_accepted(srv, conn_fd, peer, peerlen)) == NULL)
		return 1;
	return request_serve(req, false);
}

int
sockserv_serve_datagram(struct sockserv_server *srv, const void *pkt,
    size_t len, const struct sockaddr *peer, socklen_t peerlen)
{
	struct sockserv_request *req;

	req = request_new(srv, srv->fd, SOCK_DGRAM, peer, peerlen, 0);
	if (req == NULL)
		return 1;
	req->pkt = pkt;
	req->pktlen = len;
	return request_serve(req, false);
}

/*
 * The same for a loop of the caller's: the request goes through
 * verify_request and process_request as if the server's own loop had
 * taken it (in thread mode, a thread of its own).
 */
int
sockserv_dispatch_connection(struct sockserv_server *srv, int conn_fd,
    const struct sockaddr *peer, socklen_t peerlen)
{
	struct sockserv_request *req;

	if ((req = request_accepted(srv, conn_fd, peer, peerlen)) == NULL)
		return -1;
	return request_serve(req, true);
}

/* The packet is copied: the request may outlive the caller's buffer. */
int
sockserv_dispatch_datagram(struct sockserv_server *srv, const void *pkt,
    size_t len, const struct sockaddr *peer, socklen_t peerlen)
{
	struct sockserv_request *req;

	req = request_new(srv, srv->fd, SOCK_DGRAM, peer, peerlen, len);
	if (req == NULL)
		return -1;
	if (len > 0)
		memcpy(req->pktbuf, pkt, len);
	req->pkt = req->pktbuf;
	req->pktlen = len;
	return request_serve(req, true);
}

/* ----------------------------------------------------------------- accessors
 */

int
sockserv_request_fd(const struct sockserv_request *req)
{
	return req->fd;
}

int
sockserv_request_socktype(const struct sockserv_request *req)
{
	return req->socktype;
}

const struct sockaddr *
sockserv_request_client(const struct sockserv_request *req, socklen_t *len)
{
	if (len != NULL)
		*len = req->peerlen;
	return (const struct sockaddr *)&req->peer;
}

struct sockserv_server *
sockserv_request_server(const struct sockserv_request *req)
{
	return req->srv;
}

void *
sockserv_request_context(const struct sockserv_request *req)
{
	return req->srv->ctx;
}

void *
sockserv_request_data(const struct sockserv_request *req)
{
	return req->data;
}

void
sockserv_request_set_data(struct sockserv_request *req, void *data)
{
	req->data = data;
}

struct sockserv_io *
sockserv_request_io(struct sockserv_request *req)
{
	if (req->socktype != SOCK_STREAM || req->fd < 0) {
		errno = req->fd < 0 ? EBADF : EOPNOTSUPP;
		return NULL;
	}
	if (req->io != NULL)
		return req->io;
	if (req->spare_io != NULL) {
		req->io = req->spare_io;
		req->spare_io = NULL;
		req->io->fd = req->fd;
		req->io->off = req->io->len = 0;
		req->io->timeout_ms = sock_poll_ms(req->srv->opt.io_timeout);
	} else
		req->io = sockserv_io_new(req->fd,
		    sock_poll_ms(req->srv->opt.io_timeout));
	return req->io;
}

int
sockserv_request_errno(const struct sockserv_request *req)
{
	return req->err;
}

const void *
sockserv_request_packet(const struct sockserv_request *req, size_t *len)
{
	if (len != NULL)
		*len = req->pktlen;
	return req->pkt;
}

/* The reply to a datagram's sender; on a stream, a write to the peer. */
int
sockserv_reply(struct sockserv_request *req, const void *buf, size_t len)
{
	struct sockserv_io *io;
	struct pollfd pfd;
	ssize_t n;

	if (req->socktype == SOCK_STREAM) {
		if ((io = sockserv_request_io(req)) == NULL)
			return -1;
		return sockserv_io_write(io, buf, len);
	}
	if (req->peerlen <= sizeof(sa_family_t)) {
		errno = EDESTADDRREQ; /* an unbound Unix datagram client */
		return -1;
	}
	for (;;) {
		n = sendto(req->fd, buf, len, MSG_NOSIGNAL,
		    (const struct sockaddr *)&req->peer, req->peerlen);
		if (n >= 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		pfd.fd = req->fd;
		pfd.events = POLLOUT;
		n = poll(&pfd, 1, sock_poll_ms(req->srv->opt.io_timeout));
		if (n == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (n == -1 && errno != EINTR)
			return -1;
	}
}
