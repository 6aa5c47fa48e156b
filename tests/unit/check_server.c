/*
 * check_server.c -- unit tests for libsockserv's servers.
 *
 * CPython's test_socketserver ported: an echo of one line three times
 * over every socket type (TCP and UDP on IPv4 and IPv6, Unix stream and
 * datagram) in every mode (sync, fork, thread, prefork), with
 * serve_forever in a thread; the bound address, the listener closed and
 * the socket file removed after close, no zombies, a foreign child left
 * alone; handler failures, verify_request, immediate shutdowns and fd
 * leaks on failed binds.  Then what CPython never tested: max_children
 * throttling, handle_request timeouts, no accept after shutdown, and real
 * concurrency.
 *
 * Handlers may run in forked children, so everything they count lives in
 * a MAP_SHARED page (`st').  Nothing asserts inside a handler: handlers
 * count, the test asserts on the counts.  shutdown(2) is wrapped below to
 * count how often the server shuts down one tracked connection.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sockserv.h"
#include "check_common.h"

#define LINE	"hello world\n"
#define LINELEN (sizeof(LINE) - 1)
#define WAIT_MS 10000 /* bound on anything that should happen */

enum kind { K_TCP4, K_TCP6, K_UDP4, K_UDP6, K_UNIX, K_UNIXGRAM };
static const char *kind_names[] = {"tcp4", "tcp6", "udp4", "udp6", "unix",
    "unixgram"};
static const char *mode_names[] = {"sync", "fork", "thread", "prefork"};

enum behaviour { B_ECHO, B_SLOW, B_BLOCK };
enum failure { F_NONE, F_SETUP, F_HANDLE };

/* Shared with every process and thread the server makes. */
struct stats {
	int setups, handled, finishes, errors, timeouts, verified;
	int inflight, max_inflight;
	int bad;       /* request accessors returned nonsense */
	int error_pid; /* getpid() in the last handle_error */
	int behaviour, failure, sleep_ms;
	int fail_errno; /* errno of a failing handle (F_HANDLE) */
	int verify_ok;
	int tracked_fd; /* count shutdown(2) calls on this fd */
	int shut_calls;
	int dones; /* the done callback's calls */
};

static struct stats *st;
static char tmpdir[64]; /* short: Unix socket paths go in it */

#define LOAD(x)	    __atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)
#define INC(x)	    __atomic_add_fetch(&(x), 1, __ATOMIC_SEQ_CST)
#define DEC(x)	    __atomic_sub_fetch(&(x), 1, __ATOMIC_SEQ_CST)

/*
 * Count the library's shutdown(2) calls on the tracked descriptor.  The
 * program's definition takes precedence over libc's for libsockserv too.
 */
int
shutdown(int fd, int how)
{
	if (st != NULL && fd >= 0 && fd == LOAD(st->tracked_fd))
		INC(st->shut_calls);
	return (int)syscall(SYS_shutdown, fd, how);
}

static void
setup_fixture(void)
{
	st = cc_shared_alloc(sizeof(*st));
	st->verify_ok = 1;
	st->tracked_fd = -1;
	cc_tmpdir(tmpdir, sizeof(tmpdir));
}

static void
teardown_fixture(void)
{
	cc_tmpdir_remove(tmpdir);
	cc_shared_free(st, sizeof(*st));
	st = NULL;
}

/* ------------------------------------------------------------- handler */

static void
check_request(struct sockserv_request *req)
{
	socklen_t len = 0;

	if (sockserv_request_context(req) != st ||
	    sockserv_request_server(req) == NULL ||
	    sockserv_request_client(req, &len) == NULL)
		INC(st->bad);
}

static int
h_setup(struct sockserv_request *req)
{
	INC(st->setups);
	check_request(req);
	return LOAD(st->failure) == F_SETUP ? -1 : 0;
}

static int
echo_stream(struct sockserv_request *req, int sleep_ms)
{
	struct sockserv_io *io = sockserv_request_io(req);
	char buf[1024];
	ssize_t n;

	if (io == NULL)
		return -1;
	if ((n = sockserv_io_readline(io, buf, sizeof(buf))) <= 0)
		return -1;
	if (sleep_ms > 0)
		cc_sleep_ms(sleep_ms);
	return sockserv_io_write(io, buf, (size_t)n);
}

static int
echo_dgram(struct sockserv_request *req, int sleep_ms)
{
	const void *pkt;
	size_t len;

	if ((pkt = sockserv_request_packet(req, &len)) == NULL)
		return -1;
	if (sleep_ms > 0)
		cc_sleep_ms(sleep_ms);
	return sockserv_reply(req, pkt, len);
}

/* Say "ready", wait for the client's release line, say "bye". */
static int
block_stream(struct sockserv_request *req)
{
	struct sockserv_io *io = sockserv_request_io(req);
	char buf[64];

	if (io == NULL || sockserv_io_write(io, "ready\n", 6) == -1)
		return -1;
	if (sockserv_io_readline(io, buf, sizeof(buf)) <= 0)
		return -1;
	return sockserv_io_write(io, "bye\n", 4);
}

static int
h_handle(struct sockserv_request *req)
{
	int n, max, rc, dgram;

	INC(st->handled);
	n = INC(st->inflight);
	while ((max = LOAD(st->max_inflight)) < n &&
	    !__atomic_compare_exchange_n(&st->max_inflight, &max, n, false,
		__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		continue;
	dgram = sockserv_request_socktype(req) == SOCK_DGRAM;
	if (LOAD(st->failure) == F_HANDLE) {
		errno = LOAD(st->fail_errno);
		rc = -1;
	} else if (LOAD(st->behaviour) == B_BLOCK && !dgram)
		rc = block_stream(req);
	else if (dgram)
		rc = echo_dgram(req, LOAD(st->sleep_ms));
	else
		rc = echo_stream(req, LOAD(st->sleep_ms));
	DEC(st->inflight);
	return rc;
}

static void
h_finish(struct sockserv_request *req)
{
	(void)req;
	INC(st->finishes);
	errno = EBADMSG; /* handle_error must see handle's errno */
}

static const struct sockserv_handler handler = {
    .setup = h_setup,
    .handle = h_handle,
    .finish = h_finish,
};

static bool
on_verify(struct sockserv_server *srv, struct sockserv_request *req)
{
	INC(st->verified);
	STORE(st->tracked_fd, sockserv_request_fd(req));
	return LOAD(st->verify_ok) != 0;
}

static void
on_error(struct sockserv_server *srv, struct sockserv_request *req)
{
	STORE(st->error_pid, (int)getpid());
	INC(st->errors);
}

static void
on_timeout(struct sockserv_server *srv)
{
	INC(st->timeouts);
}

/* ------------------------------------------------------------- servers */

static bool
have_ipv6(void)
{
	struct sockaddr_in6 s = {.sin6_family = AF_INET6};
	int fd, ok;

	s.sin6_addr = in6addr_loopback;
	if ((fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return false;
	ok = bind(fd, (struct sockaddr *)&s, sizeof(s)) == 0;
	close(fd);
	return ok;
}

static void
kind_url(enum kind k, char *buf, size_t len)
{
	switch (k) {
	case K_TCP4:
		snprintf(buf, len, "tcp://127.0.0.1:0");
		break;
	case K_TCP6:
		snprintf(buf, len, "tcp://[::1]:0");
		break;
	case K_UDP4:
		snprintf(buf, len, "udp://127.0.0.1:0");
		break;
	case K_UDP6:
		snprintf(buf, len, "udp://[::1]:0");
		break;
	case K_UNIX:
		snprintf(buf, len, "unix://%s/srv.sock", tmpdir);
		break;
	case K_UNIXGRAM:
		snprintf(buf, len, "unixgram://%s/srv.sock", tmpdir);
		break;
	}
}

static struct sockserv_options
opts_for(enum sockserv_mode mode)
{
	struct sockserv_options o;

	sockserv_options_init(&o);
	o.mode = mode;
	o.workers = 2; /* a light pool: the machine is shared */
	return o;
}

static struct sockserv_server *
server_new(enum kind k, const struct sockserv_options *o)
{
	struct sockserv_hooks hooks = {
	    .verify_request = on_verify,
	    .handle_error = on_error,
	};
	struct sockserv_server *srv;
	char url[512];

	kind_url(k, url, sizeof(url));
	srv = sockserv_server_new(url, &handler, o);
	ck_assert_msg(srv != NULL, "server on %s: %s", url, strerror(errno));
	sockserv_server_set_hooks(srv, &hooks);
	sockserv_server_set_context(srv, st);
	ck_assert_ptr_eq(sockserv_server_context(srv), st);
	return srv;
}

/* serve_forever in a thread. */
struct runner {
	struct sockserv_server *srv;
	pthread_t th;
	double poll;
	int rc;
};

static void *
serve_main(void *arg)
{
	struct runner *r = arg;

	r->rc = sockserv_serve_forever(r->srv, r->poll);
	return NULL;
}

static void
runner_start(struct runner *r, struct sockserv_server *srv, double poll)
{
	r->srv = srv;
	r->poll = poll;
	r->rc = -2;
	ck_assert_int_eq(pthread_create(&r->th, NULL, serve_main, r), 0);
}

/* Join the serving thread, failing if it does not return in time. */
static void
runner_join(struct runner *r)
{
	struct timespec ts;
	int e;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WAIT_MS / 1000;
	e = pthread_timedjoin_np(r->th, NULL, &ts);
	ck_assert_msg(e == 0,
	    "serve_forever still running %d ms after "
	    "shutdown (%s)",
	    WAIT_MS, strerror(e));
	ck_assert_msg(r->rc == 0, "serve_forever returned %d", r->rc);
}

static void
runner_stop(struct runner *r)
{
	sockserv_shutdown(r->srv);
	runner_join(r);
}

/* ------------------------------------------------------------- clients */

static int
client_stream(struct sockserv_server *srv)
{
	const struct sockaddr *sa;
	socklen_t len;
	int fd;

	sa = sockserv_server_address(srv, &len);
	ck_assert(sa != NULL);
	fd = cc_connect(sa, len, SOCK_STREAM);
	ck_assert_msg(fd != -1, "connect: %s", strerror(errno));
	return fd;
}

/* A datagram client; a Unix one binds its own path to get replies. */
static int
client_dgram(struct sockserv_server *srv, int n)
{
	const struct sockaddr *sa;
	struct sockaddr_un me = {.sun_family = AF_UNIX};
	socklen_t len;
	int fd;

	sa = sockserv_server_address(srv, &len);
	ck_assert(sa != NULL);
	fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert(fd != -1);
	if (sa->sa_family == AF_UNIX) {
		snprintf(me.sun_path, sizeof(me.sun_path), "%s/cli%d.sock",
		    tmpdir, n);
		(void)unlink(me.sun_path);
		ck_assert_int_eq(bind(fd, (struct sockaddr *)&me, sizeof(me)),
		    0);
	}
	ck_assert_int_eq(connect(fd, sa, len), 0);
	return fd;
}

/* One echo round trip; the reply must come within WAIT_MS. */
static void
round_trip(struct sockserv_server *srv, int n)
{
	char buf[256];
	ssize_t r;
	int fd;

	if (sockserv_server_socktype(srv) == SOCK_STREAM) {
		fd = client_stream(srv);
		cc_write_all(fd, LINE, LINELEN);
		r = cc_read_line(fd, buf, sizeof(buf), WAIT_MS);
	} else {
		fd = client_dgram(srv, n);
		cc_write_all(fd, LINE, LINELEN);
		r = -1;
		if (cc_wait_readable(fd, WAIT_MS))
			r = recv(fd, buf, sizeof(buf) - 1, 0);
		buf[r >= 0 ? r : 0] = '\0';
	}
	ck_assert_msg(r == (ssize_t)LINELEN, "round trip %d: got %zd (%s)", n,
	    r, r == -1 ? strerror(errno) : buf);
	ck_assert_str_eq(buf, LINE);
	close(fd);
}

/* The connection ends (EOF or reset) within WAIT_MS; returns read()'s. */
static ssize_t
wait_closed(int fd)
{
	char buf[64];
	ssize_t n;

	ck_assert_msg(cc_wait_readable(fd, WAIT_MS), "connection not closed");
	while ((n = read(fd, buf, sizeof(buf))) == -1 && errno == EINTR)
		continue;
	return n;
}

static void
assert_no_children(void)
{
	errno = 0;
	ck_assert_msg(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD,
	    "a child of the test process is left (errno %d)", errno);
}

/* Close, then: listener gone, socket file gone, no zombies. */
static void
close_and_check(struct sockserv_server *srv, enum kind k)
{
	char path[512];
	struct stat sb;
	int fd = sockserv_server_fileno(srv);

	ck_assert_int_ge(fd, 0);
	sockserv_server_close(srv);
	errno = 0;
	ck_assert_msg(fcntl(fd, F_GETFD) == -1 && errno == EBADF,
	    "listener fd %d still open after close", fd);
	if (k == K_UNIX || k == K_UNIXGRAM) {
		snprintf(path, sizeof(path), "%s/srv.sock", tmpdir);
		ck_assert_msg(stat(path, &sb) == -1 && errno == ENOENT,
		    "%s left behind", path);
	}
}

static void
assert_address(struct sockserv_server *srv)
{
	struct sockaddr_storage ss;
	const struct sockaddr *sa;
	socklen_t len, slen = sizeof(ss);

	sa = sockserv_server_address(srv, &len);
	ck_assert(sa != NULL);
	memset(&ss, 0, sizeof(ss));
	ck_assert_int_eq(getsockname(sockserv_server_fileno(srv),
			     (struct sockaddr *)&ss, &slen),
	    0);
	ck_assert_uint_eq(len, slen);
	ck_assert_msg(memcmp(sa, &ss, len) == 0,
	    "server address differs from getsockname()");
	if (sa->sa_family == AF_INET)
		ck_assert_uint_ne(((const struct sockaddr_in *)sa)->sin_port,
		    0);
	if (sa->sa_family == AF_INET6)
		ck_assert_uint_ne(((const struct sockaddr_in6 *)sa)->sin6_port,
		    0);
}

/* ------------------------------------------------------- CPython matrix */

static void
echo_matrix(enum kind k, enum sockserv_mode mode)
{
	struct sockserv_options o = opts_for(mode);
	struct sockserv_server *srv;
	struct runner r;
	pid_t foreign;
	int i, status;

	if ((k == K_TCP6 || k == K_UDP6) && !have_ipv6()) {
		fprintf(stderr, "%s/%s: skipped, no IPv6 loopback\n",
		    kind_names[k], mode_names[mode]);
		return;
	}
	/* Issue 1540386: the server must not reap children it did not fork. */
	foreign = cc_fork_exit(72);
	srv = server_new(k, &o);
	assert_address(srv);
	runner_start(&r, srv, 0.01);
	for (i = 0; i < 3; i++)
		round_trip(srv, i);
	runner_stop(&r);
	close_and_check(srv, k);

	status = cc_waitpid_deadline(foreign, WAIT_MS);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 72,
	    "%s/%s: foreign child status %#x", kind_names[k], mode_names[mode],
	    status);
	assert_no_children();
	ck_assert_int_eq(LOAD(st->handled), 3);
	ck_assert_int_eq(LOAD(st->setups), 3);
	ck_assert_int_eq(LOAD(st->finishes), 3);
	ck_assert_int_eq(LOAD(st->errors), 0);
	ck_assert_int_eq(LOAD(st->bad), 0);
}

START_TEST(test_echo_tcp4)
{
	echo_matrix(K_TCP4, _i);
}
END_TEST
START_TEST(test_echo_tcp6)
{
	echo_matrix(K_TCP6, _i);
}
END_TEST
START_TEST(test_echo_udp4)
{
	echo_matrix(K_UDP4, _i);
}
END_TEST
START_TEST(test_echo_udp6)
{
	echo_matrix(K_UDP6, _i);
}
END_TEST
START_TEST(test_echo_unix)
{
	echo_matrix(K_UNIX, _i);
}
END_TEST
START_TEST(test_echo_unixgram)
{
	echo_matrix(K_UNIXGRAM, _i);
}
END_TEST

/* ------------------------------------------------------------- errors */

static void
handler_failure(enum kind k, enum sockserv_mode mode, enum failure f)
{
	struct sockserv_options o = opts_for(mode);
	struct sockserv_server *srv;
	struct runner r;
	int fd, want;

	STORE(st->failure, f);
	srv = server_new(k, &o);
	runner_start(&r, srv, 0.01);
	if (k == K_TCP4) {
		fd = client_stream(srv);
		(void)wait_closed(fd); /* nothing was sent: EOF or reset */
	} else {
		fd = client_dgram(srv, 0);
		cc_write_all(fd, LINE, LINELEN);
	}
	ck_assert_msg(cc_wait_counter(&st->errors, 1, WAIT_MS),
	    "%s: handle_error not called", mode_names[mode]);
	runner_stop(&r);
	close(fd);
	close_and_check(srv, k);
	assert_no_children();

	/* Final: close waited for every child and thread. */
	ck_assert_int_eq(LOAD(st->errors), 1);
	ck_assert_int_eq(LOAD(st->setups), 1);
	want = f == F_SETUP ? 0 : 1; /* nothing runs after setup fails */
	ck_assert_int_eq(LOAD(st->handled), want);
	ck_assert_int_eq(LOAD(st->finishes), want);
	if (mode == SOCKSERV_FORK || mode == SOCKSERV_PREFORK)
		ck_assert_msg(LOAD(st->error_pid) != (int)getpid(),
		    "%s: handle_error ran in the server process",
		    mode_names[mode]);
	else
		ck_assert_int_eq(LOAD(st->error_pid), (int)getpid());
}

START_TEST(test_handle_fails_tcp)
{
	handler_failure(K_TCP4, _i, F_HANDLE);
}
END_TEST
START_TEST(test_setup_fails_tcp)
{
	handler_failure(K_TCP4, _i, F_SETUP);
}
END_TEST
START_TEST(test_handle_fails_udp)
{
	handler_failure(K_UDP4, _i, F_HANDLE);
}
END_TEST
START_TEST(test_setup_fails_udp)
{
	handler_failure(K_UDP4, _i, F_SETUP);
}
END_TEST

/*
 * The exit status of a forked child is the engine's return value: what
 * sockserv_serve_connection returns is what the child passes to _exit.
 */
START_TEST(test_serve_connection_status)
{
	struct sockserv_server *srv;
	struct sockaddr_storage peer;
	socklen_t plen;
	char buf[64];
	int sv[2];

	srv = server_new(K_TCP4, NULL);
	/* Success: 0, the connection shut down and closed. */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
	    0);
	plen = sizeof(peer);
	ck_assert_int_eq(getpeername(sv[0], (struct sockaddr *)&peer, &plen),
	    0);
	cc_write_all(sv[1], LINE, LINELEN);
	ck_assert_int_eq(sockserv_serve_connection(srv, sv[0],
			     (struct sockaddr *)&peer, plen),
	    0);
	ck_assert(!cc_fd_open(sv[0]));
	ck_assert_int_eq(cc_read_line(sv[1], buf, sizeof(buf), WAIT_MS),
	    (ssize_t)LINELEN);
	ck_assert_int_eq(cc_read_line(sv[1], buf, sizeof(buf), WAIT_MS), 0);
	close(sv[1]);
	ck_assert_int_eq(LOAD(st->errors), 0);

	/* Handler failure: 1, handle_error called. */
	STORE(st->failure, F_HANDLE);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
	    0);
	ck_assert_int_eq(sockserv_serve_connection(srv, sv[0],
			     (struct sockaddr *)&peer, plen),
	    1);
	ck_assert(!cc_fd_open(sv[0]));
	ck_assert_int_eq(LOAD(st->errors), 1);
	close(sv[1]);

	/* Setup failure: 1 as well, and finish never ran for it. */
	STORE(st->failure, F_SETUP);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
	    0);
	ck_assert_int_eq(sockserv_serve_connection(srv, sv[0],
			     (struct sockaddr *)&peer, plen),
	    1);
	ck_assert_int_eq(LOAD(st->errors), 2);
	ck_assert_int_eq(LOAD(st->finishes), 2);
	close(sv[1]);
	sockserv_server_close(srv);
}
END_TEST

/*
 * An unbound server serves a connection accepted elsewhere (here: from a
 * plain loopback listener), in the calling process whatever mode it was
 * given, with its hooks; it has no descriptor of its own.
 */
START_TEST(test_serve_unbound)
{
	struct sockserv_hooks hooks = {.verify_request = on_verify};
	struct sockserv_options o = opts_for(SOCKSERV_FORK);
	struct sockserv_server *srv, *lsrv;
	const struct sockaddr *la;
	struct sockaddr_storage peer;
	socklen_t llen, plen = sizeof(peer);
	char buf[64];
	int c, conn, fds;

	lsrv = server_new(K_TCP4, NULL); /* only for its bound socket */
	la = sockserv_server_address(lsrv, &llen);
	fds = cc_count_fds();
	srv = sockserv_server_new_unbound(&handler, &o);
	ck_assert_ptr_nonnull(srv);
	ck_assert_int_eq(cc_count_fds(), fds);
	ck_assert_int_eq(sockserv_server_fileno(srv), -1);
	ck_assert_int_eq(sockserv_server_options(srv)->mode, SOCKSERV_SYNC);
	sockserv_server_set_hooks(srv, &hooks);
	sockserv_server_set_context(srv, st);

	c = cc_connect(la, llen, SOCK_STREAM);
	ck_assert_int_ge(cc_wait_readable(sockserv_server_fileno(lsrv),
			     WAIT_MS),
	    1);
	conn = accept4(sockserv_server_fileno(lsrv), (struct sockaddr *)&peer,
	    &plen, SOCK_CLOEXEC);
	ck_assert_int_ge(conn, 0);
	cc_write_all(c, LINE, LINELEN);
	ck_assert_int_eq(sockserv_serve_connection(srv, conn,
			     (struct sockaddr *)&peer, plen),
	    0);
	ck_assert(!cc_fd_open(conn));
	ck_assert_int_eq(LOAD(st->handled), 1); /* here, not in a child */
	ck_assert_int_eq(LOAD(st->verified), 1);
	ck_assert_int_eq(cc_read_line(c, buf, sizeof(buf), WAIT_MS),
	    (ssize_t)LINELEN);
	ck_assert_int_eq(memcmp(buf, LINE, LINELEN), 0);
	ck_assert_int_eq(cc_read_line(c, buf, sizeof(buf), WAIT_MS), 0);
	close(c);
	sockserv_server_close(srv);
	sockserv_server_close(lsrv);
}
END_TEST

START_TEST(test_serve_datagram_status)
{
	struct sockserv_server *srv;
	struct sockaddr_in peer = {.sin_family = AF_INET};
	socklen_t plen;
	int fd;

	srv = server_new(K_UDP4, NULL);
	/* A real peer to reply to: a bound UDP socket. */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&peer, sizeof(peer)), 0);
	plen = sizeof(peer);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&peer, &plen), 0);
	ck_assert_int_eq(sockserv_serve_datagram(srv, LINE, LINELEN,
			     (struct sockaddr *)&peer, plen),
	    0);
	ck_assert(cc_wait_readable(fd, WAIT_MS));
	STORE(st->failure, F_HANDLE);
	ck_assert_int_eq(sockserv_serve_datagram(srv, LINE, LINELEN,
			     (struct sockaddr *)&peer, plen),
	    1);
	ck_assert_int_eq(LOAD(st->errors), 1);
	close(fd);
	sockserv_server_close(srv);
}
END_TEST

/* The default handle_error's line for a failing datagram, on stderr. */
static void
default_error_line(struct sockserv_server *srv, int err, char *buf, size_t len)
{
	struct sockaddr_in peer = {.sin_family = AF_INET};
	int saved, fd;
	ssize_t n;

	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	peer.sin_port = htons(9);
	STORE(st->fail_errno, err);
	snprintf(buf, len, "%s/stderr", tmpdir);
	fd = open(buf, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(saved = dup(STDERR_FILENO), 0);
	ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	ck_assert_int_eq(sockserv_serve_datagram(srv, LINE, LINELEN,
			     (struct sockaddr *)&peer, sizeof(peer)),
	    1);
	ck_assert_int_eq(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, len - 1, 0);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	close(fd);
}

/*
 * libsockserv's own handle_error names the client and why the handler
 * failed: the errno it returned with, kept across finish (which here
 * changes errno), or "no reason given" when it left errno 0.
 */
START_TEST(test_default_handle_error)
{
	struct sockserv_server *srv;
	char want[128], line[512];

	srv = sockserv_server_new("udp://127.0.0.1:0", &handler, NULL);
	ck_assert_ptr_nonnull(srv);
	sockserv_server_set_context(srv, st);
	STORE(st->failure, F_HANDLE);
	default_error_line(srv, EACCES, line, sizeof(line));
	snprintf(want, sizeof(want),
	    "sockserv[%ld]: error processing "
	    "request from 127.0.0.1:9: %s\n",
	    (long)getpid(), strerror(EACCES));
	ck_assert_str_eq(line, want);
	default_error_line(srv, 0, line, sizeof(line));
	snprintf(want, sizeof(want),
	    "sockserv[%ld]: error processing "
	    "request from 127.0.0.1:9: no reason given\n",
	    (long)getpid());
	ck_assert_str_eq(line, want);
	sockserv_server_close(srv);
}
END_TEST

/*
 * A forked child exits 0 when the handler succeeded and 1 when it failed.
 * handle_request never runs service_actions, so nobody reaps the child
 * before server_close: the test reads its status with WNOWAIT, leaving
 * the reaping to the server.
 */
START_TEST(test_fork_child_status)
{
	static const int failure[] = {F_NONE, F_HANDLE, F_SETUP};
	struct sockserv_options o = opts_for(SOCKSERV_FORK);
	struct sockserv_server *srv;
	siginfo_t si;
	double deadline;
	int fd, want;

	STORE(st->failure, failure[_i]);
	srv = server_new(K_TCP4, &o);
	fd = client_stream(srv);
	cc_write_all(fd, LINE, LINELEN);
	ck_assert_int_eq(sockserv_handle_request(srv), 0);
	deadline = cc_now() + WAIT_MS / 1000.0;
	for (;;) {
		memset(&si, 0, sizeof(si));
		ck_assert_int_eq(waitid(P_ALL, 0, &si,
				     WEXITED | WNOHANG | WNOWAIT),
		    0);
		if (si.si_pid != 0)
			break;
		ck_assert_msg(cc_now() < deadline, "the child never exited");
		cc_sleep_ms(5);
	}
	ck_assert_int_ne(si.si_pid, getpid());
	ck_assert_int_eq(si.si_code, CLD_EXITED);
	want = _i == 0 ? 0 : 1;
	ck_assert_int_eq(si.si_status, want);
	ck_assert_int_eq(LOAD(st->errors), want);
	sockserv_server_close(srv);
	close(fd);
	assert_no_children();
}
END_TEST

/* bpo-26309: a rejected request is shut down, exactly once. */
START_TEST(test_verify_false)
{
	struct sockserv_options o = opts_for(_i);
	struct sockserv_server *srv;
	struct runner r;
	int fd;

	STORE(st->verify_ok, 0);
	srv = server_new(K_TCP4, &o);
	runner_start(&r, srv, 0.01);
	fd = client_stream(srv);
	ck_assert_msg(wait_closed(fd) == 0, "client saw no EOF: %s",
	    strerror(errno));
	runner_stop(&r);
	sockserv_server_close(srv);
	close(fd);
	assert_no_children();
	ck_assert_int_eq(LOAD(st->verified), 1);
	ck_assert_int_eq(LOAD(st->setups), 0);
	ck_assert_int_eq(LOAD(st->handled), 0);
	ck_assert_int_eq(LOAD(st->errors), 0);
	ck_assert_int_eq(LOAD(st->shut_calls), 1);
}
END_TEST

/* ------------------------------------------------------------ shutdown */

/* test_shutdown (Issue #2302): 20 servers stopped right after starting. */
START_TEST(test_shutdown_immediately)
{
	struct sockserv_options o;
	struct sockserv_server *srv;
	struct runner r;
	int i;

	for (i = 0; i < 20; i++) {
		o = opts_for(i % 4);
		srv = server_new(i % 2 ? K_UDP4 : K_TCP4, &o);
		runner_start(&r, srv, 0.01);
		runner_stop(&r);
		sockserv_server_close(srv);
	}
	assert_no_children();
}
END_TEST

/* A shutdown before serve_forever starts is not lost. */
START_TEST(test_shutdown_before_serve)
{
	struct sockserv_options o = opts_for(_i);
	struct sockserv_server *srv;
	struct runner r;

	srv = server_new(K_TCP4, &o);
	sockserv_shutdown(srv);
	runner_start(&r, srv, 0.5);
	runner_join(&r);
	sockserv_server_close(srv);
	assert_no_children();
}
END_TEST

/* test_close_immediately: a server closed without serving. */
START_TEST(test_close_unserved)
{
	struct sockserv_options o = opts_for(_i % 4);
	struct sockserv_server *srv;
	enum kind k = _i / 4 ? K_UNIX : K_TCP4;

	srv = server_new(k, &o);
	close_and_check(srv, k);
	assert_no_children();
}
END_TEST

/*
 * bpo-35017: once shutdown is asked, no request is accepted, even one
 * that is waiting on the listener as the loop wakes up.
 */
START_TEST(test_no_accept_after_shutdown)
{
	struct sockserv_options o = opts_for(_i);
	struct sockserv_server *srv;
	struct runner r;
	char buf[64];
	int fd;

	srv = server_new(K_TCP4, &o);
	runner_start(&r, srv, 2.0);
	round_trip(srv, 0); /* the loop is running */
	sockserv_shutdown(srv);
	fd = client_stream(srv); /* the listener is still open */
	cc_write_all(fd, LINE, LINELEN);
	runner_join(&r);
	sockserv_server_close(srv); /* waits for children and threads */
	ck_assert_int_eq(LOAD(st->handled), 1);
	ck_assert_int_eq(LOAD(st->setups), 1);
	/* The client gets no echo: the connection is reset or closed. */
	ck_assert(cc_read_line(fd, buf, sizeof(buf), 1000) <= 0);
	close(fd);
	assert_no_children();
}
END_TEST

/* ------------------------------------------------------------ fd leaks */

static void
fail_many(const char *url, int n, int want_errno)
{
	struct sockserv_server *srv;
	int i;

	for (i = 0; i < n; i++) {
		errno = 0;
		srv = sockserv_server_new(url, &handler, NULL);
		ck_assert_msg(srv == NULL, "%s: server created", url);
		if (want_errno != 0)
			ck_assert_msg(errno == want_errno, "%s: errno %d (%s)",
			    url, errno, strerror(errno));
	}
}

/* Issue #22435: 1,000 failed binds leak no descriptor. */
START_TEST(test_bind_leak)
{
	struct sockserv_server *tcp, *udp;
	struct sockserv_addr a;
	struct sockserv_options o;
	char url[512], url2[512], url3[512];
	int before, after, i;

	tcp = server_new(K_TCP4, NULL);
	udp = server_new(K_UDP4, NULL);
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%u",
	    ntohs(
		((const struct sockaddr_in *)sockserv_server_address(tcp, NULL))
		    ->sin_port));
	snprintf(url2, sizeof(url2), "udp://127.0.0.1:%u",
	    ntohs(
		((const struct sockaddr_in *)sockserv_server_address(udp, NULL))
		    ->sin_port));
	snprintf(url3, sizeof(url3), "unix://%s/no/such/dir.sock", tmpdir);

	fail_many(url, 1, EADDRINUSE); /* warm up lazy libc state */
	before = cc_count_fds();
	fail_many(url, 1000, EADDRINUSE);
	fail_many(url2, 200, EADDRINUSE);
	fail_many(url3, 200, 0);
	fail_many("tcp://127.0.0.1:65536", 200, 0);
	fail_many("unix://relative.sock", 200, 0);
	ck_assert_int_eq(sockserv_addr_parse(url, &a, NULL, 0), 0);
	sockserv_options_init(&o);
	for (i = 0; i < 200; i++) {
		errno = 0;
		ck_assert_int_eq(sockserv_listen(&a, &o), -1);
		ck_assert_int_eq(errno, EADDRINUSE);
	}
	after = cc_count_fds();
	ck_assert_int_eq(after, before);
	sockserv_server_close(tcp);
	sockserv_server_close(udp);
}
END_TEST

/* ------------------------------------------------------------- listen */

START_TEST(test_listen_flags)
{
	struct sockserv_options o;
	struct sockserv_addr a;
	int fd, fl;

	sockserv_options_init(&o);
	ck_assert_int_eq(sockserv_addr_parse("tcp://127.0.0.1:0", &a, NULL, 0),
	    0);
	fd = sockserv_listen(&a, &o);
	ck_assert_msg(fd >= 0, "sockserv_listen: %s", strerror(errno));
	ck_assert((fl = fcntl(fd, F_GETFD)) != -1);
	ck_assert(fl & FD_CLOEXEC);
	ck_assert((fl = fcntl(fd, F_GETFL)) != -1);
	ck_assert(fl & O_NONBLOCK);
	close(fd);
}
END_TEST

START_TEST(test_options_defaults)
{
	struct sockserv_options o;

	memset(&o, 0xff, sizeof(o));
	sockserv_options_init(&o);
	ck_assert_int_eq(o.mode, SOCKSERV_SYNC);
	ck_assert_int_eq(o.request_queue_size, 5);
	ck_assert(!o.allow_reuse_address);
	ck_assert(!o.allow_reuse_port);
	ck_assert(o.timeout < 0);
	ck_assert(o.io_timeout < 0);
	ck_assert(!o.tcp_nodelay);
	ck_assert_uint_eq(o.max_packet_size, 8192);
	ck_assert_int_eq(o.max_children, 40);
	ck_assert(o.block_on_close);
	ck_assert(!o.daemon_threads);
	ck_assert_int_eq(o.workers, 4);
	ck_assert_uint_eq(o.socket_mode, 0666);
}
END_TEST

/* A stale socket file is replaced; a live one is not (EADDRINUSE). */
START_TEST(test_unix_stale_and_live)
{
	struct sockserv_server *srv, *second;
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	struct sockserv_options o;
	struct stat sb;
	char url[512], buf[64];
	int fd;

	snprintf(un.sun_path, sizeof(un.sun_path), "%s/srv.sock", tmpdir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&un, sizeof(un)), 0);
	close(fd); /* the file stays, nobody listens */

	sockserv_options_init(&o);
	o.socket_mode = 0600;
	kind_url(K_UNIX, url, sizeof(url));
	srv = sockserv_server_new(url, &handler, &o);
	ck_assert_msg(srv != NULL, "stale socket not replaced: %s",
	    strerror(errno));
	ck_assert_int_eq(stat(un.sun_path, &sb), 0);
	ck_assert(S_ISSOCK(sb.st_mode));
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);

	errno = 0;
	second = sockserv_server_new(url, &handler, NULL);
	ck_assert_msg(second == NULL, "a live socket was replaced");
	ck_assert_int_eq(errno, EADDRINUSE);
	/*
	 * The live server still answers on its file, and the refused
	 * attempt queued no connection of its own: the first request it
	 * handles is ours.
	 */
	sockserv_server_set_context(srv, st);
	fd = client_stream(srv);
	cc_write_all(fd, LINE, LINELEN);
	ck_assert_int_eq(sockserv_handle_request(srv), 0);
	ck_assert_int_eq(LOAD(st->handled), 1);
	ck_assert_int_eq(cc_read_line(fd, buf, sizeof(buf), WAIT_MS),
	    (ssize_t)LINELEN);
	close(fd);
	sockserv_server_close(srv);
	ck_assert_int_eq(stat(un.sun_path, &sb), -1);
}
END_TEST

/*
 * A live Unix stream server whose backlog is full: a second server on its
 * path fails with EADDRINUSE at once (the probe must not block), and the
 * live one finds only the connections its clients made.  The attempt
 * runs in a child, killed after a deadline, so a hang fails the test.
 */
START_TEST(test_unix_live_backlog_full)
{
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	char url[512];
	int lfd, c[8], n, i, status;
	pid_t pid, r;
	double deadline;

	snprintf(un.sun_path, sizeof(un.sun_path), "%s/srv.sock", tmpdir);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&un, sizeof(un)), 0);
	ck_assert_int_eq(listen(lfd, 0), 0);
	for (n = 0; n < 8; n++) {
		c[n] = socket(AF_UNIX,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		ck_assert_int_ge(c[n], 0);
		if (connect(c[n], (struct sockaddr *)&un, sizeof(un)) == -1) {
			ck_assert_int_eq(errno, EAGAIN);
			close(c[n]);
			break;
		}
	}
	ck_assert_msg(n > 0 && n < 8, "backlog 0 took %d connections", n);

	kind_url(K_UNIX, url, sizeof(url));
	if ((pid = fork()) == 0) {
		errno = 0;
		_exit(sockserv_server_new(url, &handler, NULL) == NULL ? errno
								       : 0);
	}
	ck_assert_int_gt(pid, 0);
	deadline = cc_now() + 5; /* the old probe blocked forever */
	while ((r = waitpid(pid, &status, WNOHANG)) == 0 && cc_now() < deadline)
		cc_sleep_ms(5);
	if (r == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		ck_abort_msg("a server on a live path with a full backlog "
			     "still blocks after 5 s");
	}
	ck_assert(WIFEXITED(status));
	ck_assert_msg(WEXITSTATUS(status) == EADDRINUSE, "second server: %s",
	    WEXITSTATUS(status) == 0 ? "created"
				     : strerror(WEXITSTATUS(status)));

	for (i = 0; accept4(lfd, NULL, NULL, SOCK_CLOEXEC) >= 0; i++)
		ck_assert_int_lt(i, 8);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_eq(i, n);
	while (n-- > 0)
		close(c[n]);
	close(lfd);
}
END_TEST

/* ------------------------------------------------ never tested by CPython */

static int
connect_ready(struct sockserv_server *srv)
{
	char buf[64];
	int fd = client_stream(srv);

	ck_assert_msg(cc_read_line(fd, buf, sizeof(buf), WAIT_MS) == 6,
	    "client not served");
	ck_assert_str_eq(buf, "ready\n");
	return fd;
}

static void
release(int fd)
{
	char buf[64];

	cc_write_all(fd, "release\n", 8);
	ck_assert_int_eq(cc_read_line(fd, buf, sizeof(buf), WAIT_MS), 4);
	ck_assert_str_eq(buf, "bye\n");
	close(fd);
}

/* max_children = 3: a fourth client waits until one of three is done. */
START_TEST(test_max_children)
{
	struct sockserv_options o =
	    opts_for(_i ? SOCKSERV_THREAD : SOCKSERV_FORK);
	struct sockserv_server *srv;
	struct runner r;
	char buf[64];
	int c[4], i;

	o.max_children = 3;
	STORE(st->behaviour, B_BLOCK);
	srv = server_new(K_TCP4, &o);
	runner_start(&r, srv, 0.01);
	for (i = 0; i < 3; i++)
		c[i] = connect_ready(srv);
	c[3] = client_stream(srv);
	ck_assert_msg(!cc_wait_readable(c[3], 500),
	    "a fourth client was served with max_children = 3");
	ck_assert_int_eq(LOAD(st->handled), 3);
	release(c[0]);
	ck_assert_msg(cc_read_line(c[3], buf, sizeof(buf), WAIT_MS) == 6,
	    "the fourth client not served after a slot freed");
	ck_assert_str_eq(buf, "ready\n");
	for (i = 1; i < 4; i++)
		release(c[i]);
	runner_stop(&r);
	sockserv_server_close(srv);
	assert_no_children();
	ck_assert_int_eq(LOAD(st->handled), 4);
	ck_assert_int_eq(LOAD(st->max_inflight), 3);
	ck_assert_int_eq(LOAD(st->errors), 0);
}
END_TEST

/* handle_request with timeout = 0.2: handle_timeout, then return. */
START_TEST(test_handle_request_timeout)
{
	struct sockserv_options o =
	    opts_for(_i ? SOCKSERV_FORK : SOCKSERV_SYNC);
	struct sockserv_hooks hooks = {
	    .handle_error = on_error,
	    .handle_timeout = on_timeout,
	};
	struct sockserv_server *srv;
	char buf[64];
	double t0, dt;
	int fd;

	o.timeout = 0.2;
	srv = server_new(K_TCP4, &o);
	sockserv_server_set_hooks(srv, &hooks);
	t0 = cc_now();
	ck_assert_int_eq(sockserv_handle_request(srv), 0);
	dt = cc_now() - t0;
	ck_assert_int_eq(LOAD(st->timeouts), 1);
	ck_assert_int_eq(LOAD(st->handled), 0);
	ck_assert_msg(dt >= 0.18 && dt < 5, "timed out after %.3f s", dt);

	/* A waiting request is handled, without the timeout hook. */
	fd = client_stream(srv);
	cc_write_all(fd, LINE, LINELEN);
	ck_assert_int_eq(sockserv_handle_request(srv), 0);
	ck_assert_int_eq(cc_read_line(fd, buf, sizeof(buf), WAIT_MS),
	    (ssize_t)LINELEN);
	close(fd);
	sockserv_server_close(srv);
	ck_assert_int_eq(LOAD(st->timeouts), 1);
	ck_assert_int_eq(LOAD(st->handled), 1);
	assert_no_children();
}
END_TEST

/*
 * Two clients whose handler sleeps 500 ms: served together in the
 * concurrent modes (well under the 1 s a serial server needs), one after
 * the other in sync mode (at least 1 s).
 */
static bool
nothing_inflight(void *arg)
{
	(void)arg;
	return LOAD(st->inflight) == 0;
}

START_TEST(test_two_slow_clients)
{
	const int sleep_ms = 500;
	struct sockserv_options o = opts_for(_i);
	struct sockserv_server *srv;
	struct runner r;
	char buf[64];
	double t0, dt;
	int c[2], i;

	STORE(st->behaviour, B_SLOW);
	srv = server_new(K_TCP4, &o);
	runner_start(&r, srv, 0.01);
	round_trip(srv, 0); /* serving, workers up */
	/* The warm-up handler leaves only when it sees the client's EOF. */
	ck_assert_msg(cc_poll_until(nothing_inflight, NULL, WAIT_MS),
	    "warm-up request still in flight");
	STORE(st->sleep_ms, sleep_ms);
	STORE(st->max_inflight, 0);
	t0 = cc_now();
	for (i = 0; i < 2; i++) {
		c[i] = client_stream(srv);
		cc_write_all(c[i], LINE, LINELEN);
	}
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(cc_read_line(c[i], buf, sizeof(buf), WAIT_MS),
		    (ssize_t)LINELEN);
		close(c[i]);
	}
	dt = cc_now() - t0;
	runner_stop(&r);
	sockserv_server_close(srv);
	if (_i == SOCKSERV_SYNC) {
		ck_assert_msg(dt >= 2 * sleep_ms / 1000.0 - 0.02,
		    "sync served two 500 ms requests in %.3f s", dt);
		ck_assert_int_eq(LOAD(st->max_inflight), 1);
	} else {
		ck_assert_msg(dt < 1.5 * sleep_ms / 1000.0,
		    "%s: two 500 ms requests took %.3f s", mode_names[_i], dt);
		ck_assert_int_eq(LOAD(st->max_inflight), 2);
	}
	assert_no_children();
}
END_TEST

/* ------------------------------------------------------ an outside loop */

static void
on_done(struct sockserv_request *req, int status, double secs)
{
	INC(st->dones);
	if (status != 0 || secs < 0 || sockserv_request_server(req) == NULL)
		INC(st->bad);
}

/* The outside loop's accept: the connection waiting on srv's listener. */
static int
loop_accept(struct sockserv_server *srv, struct sockaddr_storage *peer,
    socklen_t *plen)
{
	int lfd = sockserv_server_fileno(srv), fd;

	ck_assert_int_eq(cc_wait_readable(lfd, WAIT_MS), 1);
	*plen = sizeof(*peer);
	fd = accept4(lfd, (struct sockaddr *)peer, plen, SOCK_CLOEXEC);
	ck_assert_msg(fd != -1, "accept: %s", strerror(errno));
	return fd;
}

/*
 * A loop of the caller's drives a thread-mode server: it accepts, hands
 * the connection in, and a thread runs it; the server counts it (for its
 * client only), the done callback sees it end, the wake descriptor tells
 * the loop, and collect brings the count back to 0.
 */
START_TEST(test_dispatch_thread)
{
	struct sockserv_options o = opts_for(SOCKSERV_THREAD);
	struct sockaddr_in other = {.sin_family = AF_INET};
	struct sockaddr_storage peer;
	struct sockserv_server *srv;
	socklen_t plen;
	char buf[64];
	int c, fd, wfd;

	STORE(st->verify_ok, 1);
	STORE(st->behaviour, B_BLOCK);
	srv = server_new(K_TCP4, &o);
	sockserv_server_set_done(srv, on_done);
	ck_assert_int_ge(wfd = sockserv_server_wakefd(srv), 0);
	c = client_stream(srv);
	fd = loop_accept(srv, &peer, &plen);
	ck_assert_int_eq(sockserv_dispatch_connection(srv, fd,
			     (struct sockaddr *)&peer, plen),
	    0);
	ck_assert_int_eq(cc_read_line(c, buf, sizeof(buf), WAIT_MS), 6);
	ck_assert_int_eq(sockserv_server_active(srv), 1);
	ck_assert_int_eq(sockserv_server_active_client(srv,
			     (struct sockaddr *)&peer),
	    1);
	other.sin_addr.s_addr = htonl(0x7f000002);
	ck_assert_int_eq(sockserv_server_active_client(srv,
			     (struct sockaddr *)&other),
	    0);
	cc_write_all(c, "go\n", 3);
	ck_assert_int_eq(cc_read_line(c, buf, sizeof(buf), WAIT_MS), 4);
	ck_assert_int_eq(cc_read_line(c, buf, sizeof(buf), WAIT_MS), 0);
	close(c);
	ck_assert_int_eq(cc_wait_readable(wfd, WAIT_MS), 1);
	sockserv_server_collect(srv);
	ck_assert_int_eq(sockserv_server_active(srv), 0);
	ck_assert_int_eq(LOAD(st->verified), 1);
	ck_assert_int_eq(LOAD(st->dones), 1);
	ck_assert_int_eq(LOAD(st->bad), 0);
	sockserv_server_close(srv);
	/* Only thread mode counts clients. */
	o = opts_for(SOCKSERV_SYNC);
	srv = server_new(K_TCP4, &o);
	errno = 0;
	ck_assert_int_eq(sockserv_server_active_client(srv,
			     (struct sockaddr *)&other),
	    -1);
	ck_assert_int_eq(errno, ENOTSUP);
	sockserv_server_close(srv);
}
END_TEST

/* A dispatched datagram is copied: the caller's buffer is its own again. */
START_TEST(test_dispatch_datagram)
{
	struct sockserv_options o = opts_for(SOCKSERV_THREAD);
	struct sockaddr_storage peer;
	struct sockserv_server *srv;
	socklen_t plen = sizeof(peer);
	char pkt[64], buf[64];
	ssize_t n;
	int c;

	STORE(st->verify_ok, 1);
	STORE(st->sleep_ms, 100); /* the echo outlives our buffer */
	srv = server_new(K_UDP4, &o);
	c = client_dgram(srv, 0);
	cc_write_all(c, LINE, LINELEN);
	ck_assert_int_eq(cc_wait_readable(sockserv_server_fileno(srv), WAIT_MS),
	    1);
	n = recvfrom(sockserv_server_fileno(srv), pkt, sizeof(pkt), 0,
	    (struct sockaddr *)&peer, &plen);
	ck_assert_int_eq(n, (ssize_t)LINELEN);
	ck_assert_int_eq(sockserv_dispatch_datagram(srv, pkt, (size_t)n,
			     (struct sockaddr *)&peer, plen),
	    0);
	memset(pkt, 'x', sizeof(pkt));
	ck_assert_int_eq(cc_wait_readable(c, WAIT_MS), 1);
	ck_assert_int_eq(recv(c, buf, sizeof(buf), 0), (ssize_t)LINELEN);
	ck_assert(memcmp(buf, LINE, LINELEN) == 0);
	close(c);
	sockserv_server_close(srv);
}
END_TEST

static TCase *
tc_new(Suite *s, const char *name, int timeout)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, timeout);
	tcase_add_checked_fixture(tc, setup_fixture, teardown_fixture);
	suite_add_tcase(s, tc);
	return tc;
}

static Suite *
server_suite(void)
{
	Suite *s = suite_create("server");
	TCase *tc;

	/* Each loop runs the four modes: sync, fork, thread, prefork. */
	tcase_add_loop_test(tc_new(s, "echo_tcp4", 30), test_echo_tcp4, 0, 4);
	tcase_add_loop_test(tc_new(s, "echo_tcp6", 30), test_echo_tcp6, 0, 4);
	tcase_add_loop_test(tc_new(s, "echo_udp4", 30), test_echo_udp4, 0, 4);
	tcase_add_loop_test(tc_new(s, "echo_udp6", 30), test_echo_udp6, 0, 4);
	tcase_add_loop_test(tc_new(s, "echo_unix", 30), test_echo_unix, 0, 4);
	tcase_add_loop_test(tc_new(s, "echo_unixgram", 30), test_echo_unixgram,
	    0, 4);

	tc = tc_new(s, "errors", 30);
	tcase_add_loop_test(tc, test_handle_fails_tcp, 0, 4);
	tcase_add_loop_test(tc, test_setup_fails_tcp, 0, 4);
	tcase_add_loop_test(tc, test_handle_fails_udp, 0, 4);
	tcase_add_loop_test(tc, test_setup_fails_udp, 0, 4);
	tcase_add_test(tc, test_serve_connection_status);
	tcase_add_test(tc, test_serve_datagram_status);
	tcase_add_test(tc, test_default_handle_error);
	tcase_add_test(tc, test_serve_unbound);
	tcase_add_loop_test(tc, test_fork_child_status, 0, 3);
	tcase_add_loop_test(tc, test_verify_false, 0, 4);

	tc = tc_new(s, "shutdown", 45);
	tcase_add_test(tc, test_shutdown_immediately);
	tcase_add_loop_test(tc, test_shutdown_before_serve, 0, 4);
	tcase_add_loop_test(tc, test_close_unserved, 0, 8);
	tcase_add_loop_test(tc, test_no_accept_after_shutdown, 0, 4);

	tc = tc_new(s, "bind", 45);
	tcase_add_test(tc, test_bind_leak);
	tcase_add_test(tc, test_listen_flags);
	tcase_add_test(tc, test_options_defaults);
	tcase_add_test(tc, test_unix_stale_and_live);
	tcase_add_test(tc, test_unix_live_backlog_full);

	tc = tc_new(s, "beyond_cpython", 45);
	tcase_add_loop_test(tc, test_max_children, 0, 2);
	tcase_add_loop_test(tc, test_handle_request_timeout, 0, 2);
	tcase_add_loop_test(tc, test_two_slow_clients, 0, 4);

	tc = tc_new(s, "outside_loop", 30);
	tcase_add_test(tc, test_dispatch_thread);
	tcase_add_test(tc, test_dispatch_datagram);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(server_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
