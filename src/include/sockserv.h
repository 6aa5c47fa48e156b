/*
 * sockserv.h -- libsockserv, Python's socketserver model for C.
 *
 * A server object (TCP, UDP, Unix stream, Unix datagram; IPv4 and IPv6)
 * plus a request handler (setup / handle / finish), run synchronously,
 * forking a child per request, a thread per request, or a preforked pool.
 * See libsockserv(3) for the full contract; the semantics follow CPython's
 * socketserver except where libsockserv(3) says otherwise.
 *
 * Conventions: functions returning int return 0 on success and -1 with
 * errno set on failure; functions returning a pointer return NULL with
 * errno set.  Every descriptor the library creates is O_CLOEXEC.
 */
#ifndef SOCKSERV_H
#define SOCKSERV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SOCKSERV_ADDRSTRLEN 128 /* enough for any formatted address */

/* ---------------------------------------------------------------- addresses */

/*
 * A listening address: family (AF_INET, AF_INET6, AF_UNIX), socket type
 * (SOCK_STREAM, SOCK_DGRAM) and the sockaddr itself.  `wildcard' is set
 * for the `*' host, which binds [::] dual-stack, or 0.0.0.0 where the
 * kernel has no IPv6.
 */
struct sockserv_addr {
	int family;
	int socktype;
	bool wildcard;
	socklen_t len;
	struct sockaddr_storage sa;
};

/*
 * Parse `tcp://HOST:PORT', `udp://HOST:PORT', `unix:///abs/path' or
 * `unixgram:///abs/path'.  HOST is an IPv4 address, `[IPv6]', a host name
 * (resolved with getaddrinfo, first result) or `*'.  On failure returns -1
 * and writes a one-line reason to err (which may be NULL).
 */
int sockserv_addr_parse(const char *url, struct sockserv_addr *out, char *err,
    size_t errlen);

/*
 * The same, for a client that tries every address of a name in turn:
 * stores up to max addresses in out[], a host name's in the resolver's
 * order (any other URL yields one), and returns how many.  errno on
 * failure: EHOSTUNREACH when HOST does not resolve, else EINVAL,
 * ENAMETOOLONG or EAFNOSUPPORT for a URL that is malformed.
 */
int sockserv_addr_resolve(const char *url, struct sockserv_addr *out,
    size_t max, char *err, size_t errlen);

/* Format back to the URL form above, numerically.  Returns the length. */
int sockserv_addr_format(const struct sockserv_addr *a, char *buf, size_t len);

/*
 * Format a peer or local address numerically: `127.0.0.1:4000',
 * `[::1]:4000', `/path/to/sock', or `unix:' for an unnamed Unix socket.
 * Never resolves names.  Returns the length, or -1 (buf then holds an
 * empty string).
 */
int sockserv_sockaddr_format(const struct sockaddr *sa, socklen_t salen,
    char *buf, size_t len);

/*
 * "The same client": fill key with the comparable part of an IP address
 * (ports ignored; an IPv4-mapped IPv6 address folded to IPv4, so a
 * dual-stack client is one client on either listener) and return its
 * family, AF_INET or AF_INET6; two addresses are the same client when
 * family and key are equal.  0, key zeroed, for anything else.
 */
int sockserv_sockaddr_key(const struct sockaddr *sa, uint32_t key[4]);

/* ------------------------------------------------------------------ options */

enum sockserv_mode {
	SOCKSERV_SYNC,	 /* one request at a time in the serving loop */
	SOCKSERV_FORK,	 /* a child process per request (ForkingMixIn) */
	SOCKSERV_THREAD, /* a thread per request (ThreadingMixIn) */
	SOCKSERV_PREFORK /* `workers' processes serving the listener */
};

/*
 * Server options.  sockserv_options_init() fills in CPython's defaults,
 * which are given in brackets.  A negative time means "none".
 */
struct sockserv_options {
	enum sockserv_mode mode;  /* [SOCKSERV_SYNC] */
	int request_queue_size;	  /* [5] listen() backlog */
	bool allow_reuse_address; /* [false] SO_REUSEADDR */
	bool allow_reuse_port;	  /* [false] SO_REUSEPORT */
	double timeout;		  /* [-1] handle_request() wait */
	double io_timeout;	  /* [-1] idle limit per I/O call */
	bool tcp_nodelay;	  /* [false] TCP_NODELAY */
	size_t max_packet_size;	  /* [8192] datagram buffer */
	int max_children;	  /* [40] fork/thread cap */
	bool block_on_close;	  /* [true] close waits */
	bool daemon_threads;	  /* [false] never joined */
	int workers;		  /* [4] prefork pool size */
	mode_t socket_mode;	  /* [0666] Unix socket file */
};

void sockserv_options_init(struct sockserv_options *opt);

/* ----------------------------------------------------------------- handlers */

struct sockserv_server;
struct sockserv_request;

/*
 * The request handler.  setup() runs first; if it fails (-1) nothing else
 * runs.  Otherwise handle() runs and finish() runs after it whatever
 * handle() returned.  A -1 from setup() or handle() is a handler failure:
 * handle_error is called and a forked child exits 1.  errno at that
 * return says why (sockserv_request_errno); leave it 0 if nothing does.
 * Any member may be NULL.
 */
struct sockserv_handler {
	int (*setup)(struct sockserv_request *req);
	int (*handle)(struct sockserv_request *req);
	void (*finish)(struct sockserv_request *req);
};

/*
 * BaseServer's overridable hooks.  A NULL member means the default:
 *   verify_request   accept every request
 *   process_request  dispatch by the server's mode
 *                    (sockserv_process_request)
 *   handle_error     one line on stderr naming the client address and
 *                    the failure's errno text
 *   handle_timeout   reap exited children (fork mode), else nothing
 *   service_actions  reap exited children (fork mode), else nothing
 * A hook replacing a default may call the default itself.
 */
struct sockserv_hooks {
	bool (*verify_request)(struct sockserv_server *srv,
	    struct sockserv_request *req);
	int (*process_request)(struct sockserv_server *srv,
	    struct sockserv_request *req);
	void (*handle_error)(struct sockserv_server *srv,
	    struct sockserv_request *req);
	void (*handle_timeout)(struct sockserv_server *srv);
	void (*service_actions)(struct sockserv_server *srv);
};

/* ------------------------------------------------------------------ servers */

/*
 * Create the socket for `a' with `opt' applied (reuse options, backlog,
 * socket_mode for a Unix socket file), bind it and, for streams, listen.
 * Returns the descriptor (O_CLOEXEC | O_NONBLOCK) or -1 with errno set
 * and nothing left open.  A Unix socket path that exists is replaced only
 * when nobody answers on it (else EADDRINUSE).
 */
int sockserv_listen(const struct sockserv_addr *a,
    const struct sockserv_options *opt);

/*
 * Create a server on `url' (see sockserv_addr_parse), bind and activate
 * it.  `opt' may be NULL for the defaults.  Port 0 binds an ephemeral
 * port; sockserv_server_address() then reports the real one.  A failed
 * bind or listen leaks no descriptor.  A Unix socket path that exists is
 * replaced only when no one is listening on it.
 */
struct sockserv_server *sockserv_server_new(const char *url,
    const struct sockserv_handler *h, const struct sockserv_options *opt);

/* The same from a parsed address. */
struct sockserv_server *sockserv_server_new_addr(const struct sockserv_addr *a,
    const struct sockserv_handler *h, const struct sockserv_options *opt);

/*
 * Wrap an already bound (and, for streams, listening) socket, e.g. one
 * inherited from a supervising process.  The server owns fd from now on.
 */
struct sockserv_server *sockserv_server_new_fd(int fd,
    const struct sockserv_handler *h, const struct sockserv_options *opt);

/*
 * A server with no socket of its own, for sockserv_serve_connection() on
 * connections accepted elsewhere: an inetd-style program serving fd 0, or
 * a supervisor that builds the server once and forks a child per
 * connection, which then allocates nothing before its request.  It
 * serves in the calling process (opt's mode is ignored).
 */
struct sockserv_server *
sockserv_server_new_unbound(const struct sockserv_handler *h,
    const struct sockserv_options *opt);

/*
 * In a process forked to serve later (a spare forked ahead of its
 * connection): write the server's own pages and its cached request and
 * buffer now, so that serving costs no copy-on-write fault then.
 */
void sockserv_server_prefault(struct sockserv_server *srv);

void sockserv_server_set_hooks(struct sockserv_server *srv,
    const struct sockserv_hooks *hooks);
void sockserv_server_set_context(struct sockserv_server *srv, void *ctx);
void *sockserv_server_context(const struct sockserv_server *srv);
int sockserv_server_fileno(const struct sockserv_server *srv);
int sockserv_server_socktype(const struct sockserv_server *srv);
const struct sockserv_options *sockserv_server_options(
    const struct sockserv_server *srv);

/* The bound address, after getsockname(). */
const struct sockaddr *
sockserv_server_address(const struct sockserv_server *srv, socklen_t *len);

/*
 * Serve until sockserv_shutdown().  Each turn waits up to poll_interval
 * seconds for a request, handles at most one, then calls service_actions.
 * Returns 0 after a shutdown, -1 on a fatal error of the loop itself.
 */
int sockserv_serve_forever(struct sockserv_server *srv, double poll_interval);

/*
 * Wait for and handle one request, honouring the `timeout' option; on
 * expiry call handle_timeout.  Returns 0 when a request was handled or
 * the timeout hook ran, -1 on error.
 */
int sockserv_handle_request(struct sockserv_server *srv);

/*
 * Ask serve_forever to stop.  Async-signal-safe and thread-safe; returns
 * at once.  A shutdown requested before serve_forever starts is honoured
 * when it does; no request is accepted after it.
 */
void sockserv_shutdown(struct sockserv_server *srv);

/*
 * Close the listener, then (block_on_close) wait for every child or
 * non-daemon thread, and free the server.  A Unix socket file the server
 * created is removed.
 */
void sockserv_server_close(struct sockserv_server *srv);

/* The default process_request: dispatch by mode. */
int sockserv_process_request(struct sockserv_server *srv,
    struct sockserv_request *req);

/* The default handle_error. */
void sockserv_handle_error(struct sockserv_server *srv,
    struct sockserv_request *req);

/* Children (fork mode) or threads (thread mode) alive now. */
int sockserv_server_active(const struct sockserv_server *srv);

/*
 * Thread mode: requests from sa's client (sockserv_sockaddr_key) running
 * now, for a per-client limit in verify_request.  -1 with ENOTSUP in the
 * other modes.
 */
int sockserv_server_active_client(const struct sockserv_server *srv,
    const struct sockaddr *sa);

/*
 * Called once a request's handler has run and the request is shut down,
 * in the process or thread that ran it, before the request is freed:
 * status 0 if the handler succeeded, 1 if it failed, and the seconds it
 * took.  For a log line or a count of one's own.
 */
typedef void (*sockserv_done_fn)(struct sockserv_request *req, int status,
    double seconds);
void sockserv_server_set_done(struct sockserv_server *srv,
    sockserv_done_fn done);

/*
 * Engine entry points for a supervisor that accepts or receives itself
 * (sockservd): run the handler on one accepted connection or one datagram
 * in the calling process or thread, with the server's hooks.  Return 0 if
 * the handler succeeded, 1 if it failed.  serve_connection shuts down and
 * closes conn_fd before returning.
 */
int sockserv_serve_connection(struct sockserv_server *srv, int conn_fd,
    const struct sockaddr *peer, socklen_t peerlen);
int sockserv_serve_datagram(struct sockserv_server *srv, const void *pkt,
    size_t len, const struct sockaddr *peer, socklen_t peerlen);

/*
 * For a program with an event loop of its own that accepts or receives
 * itself: hand one connection or datagram to the server as its own loop
 * would, through verify_request and process_request (in thread mode a
 * thread of its own runs it; the packet is copied).  The connection is
 * the server's from now on.  0, or -1 when no request could be made
 * (conn_fd is closed).  The loop stops taking while
 * sockserv_server_active() is at max_children, polls
 * sockserv_server_wakefd(), readable when a request thread has ended or
 * sockserv_shutdown() was called, and then calls sockserv_server_collect(),
 * which joins finished threads or reaps exited children and never blocks.
 */
int sockserv_dispatch_connection(struct sockserv_server *srv, int conn_fd,
    const struct sockaddr *peer, socklen_t peerlen);
int sockserv_dispatch_datagram(struct sockserv_server *srv, const void *pkt,
    size_t len, const struct sockaddr *peer, socklen_t peerlen);
int sockserv_server_wakefd(struct sockserv_server *srv);
void sockserv_server_collect(struct sockserv_server *srv);

/* ----------------------------------------------------------------- requests */

int sockserv_request_fd(const struct sockserv_request *req);
int sockserv_request_socktype(const struct sockserv_request *req);
const struct sockaddr *
sockserv_request_client(const struct sockserv_request *req, socklen_t *len);
struct sockserv_server *sockserv_request_server(
    const struct sockserv_request *req);
/* The server's context (sockserv_server_set_context). */
void *sockserv_request_context(const struct sockserv_request *req);
/* The errno of a failed setup() or handle(); 0 if it left none. */
int sockserv_request_errno(const struct sockserv_request *req);
/* A per-request pointer for the handler's own use; NULL at first. */
void *sockserv_request_data(const struct sockserv_request *req);
void sockserv_request_set_data(struct sockserv_request *req, void *data);

/* Datagram requests: the packet received and a reply to its sender. */
const void *sockserv_request_packet(const struct sockserv_request *req,
    size_t *len);
int sockserv_reply(struct sockserv_request *req, const void *buf, size_t len);

/* ------------------------------------------------------------ buffered I/O */

/*
 * rfile/wfile for stream connections: a read buffer over a descriptor.
 * Every call retries on EINTR and fails with ETIMEDOUT when no byte moves
 * for the idle timeout (timeout_ms < 0: none).  Writes are unbuffered and
 * never truncated.
 */
struct sockserv_io;

struct sockserv_io *sockserv_io_new(int fd, int timeout_ms);
void sockserv_io_free(struct sockserv_io *io);
/* The request's stream, created by the library for a stream request. */
struct sockserv_io *sockserv_request_io(struct sockserv_request *req);
int sockserv_io_fd(const struct sockserv_io *io);
void sockserv_io_set_timeout(struct sockserv_io *io, int timeout_ms);

/*
 * Read one line into buf (at most max - 1 bytes plus a NUL), newline
 * included, like Python's readline: a last line without a newline is
 * returned as it is, and 0 means EOF.  -1 on error: EMSGSIZE when no
 * newline came within max - 1 bytes (those bytes are consumed and left in
 * buf, the rest of the line stays to be read), ETIMEDOUT, or the read error.
 */
ssize_t sockserv_io_readline(struct sockserv_io *io, char *buf, size_t max);
/* Read up to n bytes: the buffer first, else one read(2).  0 at EOF. */
ssize_t sockserv_io_read(struct sockserv_io *io, void *buf, size_t n);
/* Read exactly n bytes; -1 with EPIPE if EOF comes first. */
int sockserv_io_readn(struct sockserv_io *io, void *buf, size_t n);
/* Write all n bytes. */
int sockserv_io_write(struct sockserv_io *io, const void *buf, size_t n);
/* Bytes already read from the descriptor and not yet consumed. */
size_t sockserv_io_pending(const struct sockserv_io *io);

#ifdef __cplusplus
}
#endif

#endif /* SOCKSERV_H */
