/*
 * loadgen.c -- the benchmark's load generator.
 *
 * Drives C concurrent clients from one thread with epoll, so that one core
 * keeps far more load on the server than it can serve: every client is a
 * small state machine (connect, write a 64-byte line, read it back, close
 * or repeat).  Every echoed byte is checked.  Latency is recorded per
 * operation in a log-linear histogram; the result is one line of
 * key=value pairs that contrib/bench/run.sh parses.
 *
 *   loadgen --mode conn|persist|udp --concurrency C [--idle K]
 *           [--rate R] [--sources N] [--duration S] [--timeout S] TARGET
 *
 * Without --rate every client starts its next operation as soon as the
 * last one is done (a closed loop: the server is kept saturated).  With
 * --rate R operations start at most R times a second in all, so the
 * server has idle time between them; latency is then what one client
 * sees from a server that is not already busy.
 *
 * TARGET is HOST:PORT (IPv4, [IPv6]) or an absolute Unix socket path.
 * Traffic goes only where TARGET says; run it against loopback.
 *
 * Against 127.0.0.0/8 the TCP connections come from N source addresses
 * in turn, 127.0.0.1 to 127.0.0.N (default 16).  The client closes
 * first, so each connection leaves a TIME_WAIT entry for its 4-tuple
 * (for 60 s); from one source address at 20,000 connections a second,
 * connect(2) soon spends most of its time searching the ~28,000 local
 * ports for a 4-tuple whose TIME_WAIT may be reused.  N addresses give
 * it N times the 4-tuples at the cost of two system calls.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MSGLEN	     64
#define HIST_SUB     64 /* sub-buckets per power of two */
#define HIST_BUCKETS (40 * HIST_SUB)

enum mode { M_CONN, M_PERSIST, M_UDP };
enum state { S_IDLE, S_WRITING, S_READING };
enum err { E_REFUSED, E_RESET, E_TIMEOUT, E_MISMATCH, E_OTHER, E_MAX };
static const char *err_names[E_MAX] = {"refused", "reset", "timeout",
    "mismatch", "other"};

struct client {
	int fd;
	enum state state;
	uint32_t events;   /* registered with epoll; 0: none */
	size_t off;	   /* bytes written or read so far */
	uint64_t start_ns; /* start of the current operation */
	uint64_t seq;
	char msg[MSGLEN];
	char buf[MSGLEN];
};

static struct {
	enum mode mode;
	int concurrency;
	int idle;
	double duration;
	double timeout;
	double rate; /* starts per second; 0: unpaced */
	int sources; /* 127.0.0.1 to 127.0.0.N */
	unsigned next_source;
	uint64_t next_ns; /* earliest next start (paced) */
	struct sockaddr_storage sa;
	socklen_t salen;
	int epfd;
	uint64_t ops;
	uint64_t errs[E_MAX];
	uint64_t hist[HIST_BUCKETS];
	uint64_t max_ns;
} g;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Log-linear bucket of a latency in nanoseconds (~1.5 % resolution):
 * below 2 * HIST_SUB the value itself, above it HIST_SUB sub-buckets for
 * every power of two.
 */
static int
hist_bucket(uint64_t ns)
{
	int e = 0, b;

	while (ns >= 2 * HIST_SUB) {
		ns >>= 1;
		e++;
	}
	b = e * HIST_SUB + (int)ns;
	return b < HIST_BUCKETS ? b : HIST_BUCKETS - 1;
}

static uint64_t
hist_value(int b)
{
	int e;

	if (b < 2 * HIST_SUB)
		return (uint64_t)b;
	e = b / HIST_SUB - 1;
	return (uint64_t)(HIST_SUB + b % HIST_SUB) << e;
}

static uint64_t
hist_percentile(double p)
{
	uint64_t total = 0, want, seen = 0;
	int b;

	for (b = 0; b < HIST_BUCKETS; b++)
		total += g.hist[b];
	if (total == 0)
		return 0;
	want = (uint64_t)(p * (double)total);
	if (want >= total)
		want = total - 1;
	for (b = 0; b < HIST_BUCKETS; b++) {
		seen += g.hist[b];
		if (seen > want)
			return hist_value(b);
	}
	return g.max_ns;
}

static void
record_op(struct client *c)
{
	uint64_t lat = now_ns() - c->start_ns;

	g.ops++;
	g.hist[hist_bucket(lat)]++;
	if (lat > g.max_ns)
		g.max_ns = lat;
}

static int
parse_target(const char *t)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&g.sa;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&g.sa;
	struct sockaddr_un *sun = (struct sockaddr_un *)&g.sa;
	char host[128];
	const char *colon;
	size_t hl;
	long port;

	memset(&g.sa, 0, sizeof(g.sa));
	if (t[0] == '/') {
		if (strlen(t) >= sizeof(sun->sun_path))
			return -1;
		g.sources = 1;
		sun->sun_family = AF_UNIX;
		strcpy(sun->sun_path, t);
		g.salen = sizeof(*sun);
		return 0;
	}
	if ((colon = strrchr(t, ':')) == NULL)
		return -1;
	port = strtol(colon + 1, NULL, 10);
	if (port <= 0 || port > 65535)
		return -1;
	hl = (size_t)(colon - t);
	if (t[0] == '[' && hl >= 2 && t[hl - 1] == ']') {
		t++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return -1;
	memcpy(host, t, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		g.salen = sizeof(*sin);
		/* Other source addresses could not reach TARGET. */
		if ((ntohl(sin->sin_addr.s_addr) >> 24) != IN_LOOPBACKNET)
			g.sources = 1;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		g.sources = 1;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		g.salen = sizeof(*sin6);
		return 0;
	}
	return -1;
}

static void
client_close(struct client *c)
{
	if (c->fd != -1) {
		close(c->fd); /* also leaves the epoll set */
		c->fd = -1;
	}
	c->events = 0;
	c->state = S_IDLE;
}

static void
client_fail(struct client *c, int errnum)
{
	enum err e = E_OTHER;

	if (errnum == ECONNREFUSED || errnum == EAGAIN)
		e = E_REFUSED; /* EAGAIN: Unix backlog full */
	else if (errnum == ECONNRESET || errnum == EPIPE || errnum == 0)
		e = E_RESET; /* 0: EOF before the whole echo */
	else if (errnum == ETIMEDOUT)
		e = E_TIMEOUT;
	g.errs[e]++;
	client_close(c);
}

/* Wait for EVENTS; no system call if the socket already waits for them. */
static int
want(struct client *c, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = c};

	if (c->events == events)
		return 0;
	if (epoll_ctl(g.epfd, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd,
		&ev) == -1)
		return -1;
	c->events = events;
	return 0;
}

static void
fill_msg(struct client *c)
{
	c->seq++;
	snprintf(c->msg, sizeof(c->msg), "%016llx %p",
	    (unsigned long long)c->seq, (void *)c);
	memset(c->msg + strlen(c->msg), 'x', MSGLEN - 1 - strlen(c->msg));
	c->msg[MSGLEN - 1] = '\n';
	c->off = 0;
	c->start_ns = now_ns();
}

/* Bind to the next of the source addresses; connect(2) picks the port. */
static int
bind_source(int fd)
{
	struct sockaddr_in src;
	int one = 1;

	memset(&src, 0, sizeof(src));
	src.sin_family = AF_INET;
	src.sin_addr.s_addr =
	    htonl(INADDR_LOOPBACK + g.next_source++ % (unsigned)g.sources);
	if (setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
		sizeof(one)) == -1)
		return -1;
	return bind(fd, (struct sockaddr *)&src, sizeof(src));
}

/*
 * A connected, non-blocking socket.  The generator's one core is the
 * ceiling of W1 (doc/performance.md), so a connection costs as few
 * system calls as it can: TCP_NODELAY only where a connection carries
 * more than one request (the one write of a new connection goes out at
 * once, Nagle or not), and no wait for the handshake (client_write).
 */
static int
open_connected(struct client *c, int type)
{
	int one = 1;

	c->fd = socket(g.sa.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1)
		return -1;
	if (g.mode == M_PERSIST && g.sa.ss_family != AF_UNIX &&
	    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		return -1;
	if (type == SOCK_STREAM && g.sources > 1 && bind_source(c->fd) == -1)
		return -1;
	if (connect(c->fd, (struct sockaddr *)&g.sa, g.salen) == -1 &&
	    errno != EINPROGRESS)
		return -1;
	return 0;
}

/*
 * Write the line and wait for its echo.  Tried straight after connect(2):
 * on loopback the handshake has usually completed inside that call; if it
 * has not, send(2) says EAGAIN and the client waits until it can write.
 * A failed connect shows here as send's error (refused, reset).
 */
static void
client_write(struct client *c)
{
	ssize_t n;

	n = send(c->fd, c->msg + c->off, MSGLEN - c->off, MSG_NOSIGNAL);
	if (n == -1 && errno != EAGAIN)
		return client_fail(c, errno);
	if (n > 0)
		c->off += (size_t)n;
	if (c->off < MSGLEN) {
		if (want(c, EPOLLOUT) == -1)
			client_fail(c, errno);
		return;
	}
	c->off = 0;
	c->state = S_READING;
	if (want(c, EPOLLIN) == -1)
		client_fail(c, errno);
}

/* Begin a new operation; in conn mode that is a new connection. */
static void
client_start(struct client *c)
{
	fill_msg(c);
	if (g.mode == M_UDP) {
		if (c->fd == -1 &&
		    (open_connected(c, SOCK_DGRAM) == -1 ||
			want(c, EPOLLIN) == -1))
			return client_fail(c, errno);
		if (send(c->fd, c->msg, MSGLEN, 0) != MSGLEN)
			return client_fail(c, errno);
		c->state = S_READING;
		return;
	}
	if (c->fd == -1 && open_connected(c, SOCK_STREAM) == -1)
		return client_fail(c, errno);
	c->state = S_WRITING;
	client_write(c);
}

static void
client_read(struct client *c)
{
	ssize_t n;

	n = recv(c->fd, c->buf + c->off, MSGLEN - c->off, 0);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0)
		return client_fail(c, n == 0 ? 0 : errno);
	if (g.mode == M_UDP && n != MSGLEN)
		return client_fail(c, EBADMSG);
	c->off += (size_t)n;
	if (c->off < MSGLEN)
		return;
	if (memcmp(c->buf, c->msg, MSGLEN) != 0) {
		g.errs[E_MISMATCH]++;
		client_close(c);
		return;
	}
	record_op(c);
	if (g.mode == M_CONN)
		client_close(c);
	else
		c->state = S_IDLE; /* restarted by the main loop */
}

/*
 * Open K silent connections that stay for the whole run.  Non-blocking:
 * against a server with a short backlog a blocking connect would wait out
 * the SYN retries (minutes) before the measured run could start.
 */
static int *
open_idle(int k)
{
	int *fds;
	int i;

	if ((fds = calloc((size_t)k + 1, sizeof(int))) == NULL)
		return NULL;
	for (i = 0; i < k; i++) {
		fds[i] = socket(g.sa.ss_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fds[i] == -1 ||
		    (connect(fds[i], (struct sockaddr *)&g.sa, g.salen) == -1 &&
			errno != EINPROGRESS && errno != EAGAIN)) {
			fprintf(stderr, "loadgen: idle connection %d: %s\n", i,
			    strerror(errno));
			g.errs[E_OTHER]++;
		}
	}
	return fds;
}

static void
sweep_timeouts(struct client *cl)
{
	uint64_t limit = (uint64_t)(g.timeout * 1e9), now = now_ns();
	int i;

	for (i = 0; i < g.concurrency; i++)
		if (cl[i].state != S_IDLE && now - cl[i].start_ns > limit)
			client_fail(&cl[i], ETIMEDOUT);
}

/* How long epoll_wait may sleep: 50 ms, or until the next paced start. */
static int
wait_ms(uint64_t now)
{
	uint64_t ms;

	if (g.rate <= 0 || g.next_ns <= now)
		return g.rate > 0 ? 0 : 50;
	ms = (g.next_ns - now + 999999) / 1000000;
	return ms < 50 ? (int)ms : 50;
}

static void
run(struct client *cl)
{
	struct epoll_event evs[256];
	uint64_t t0 = now_ns(), end, last_sweep;
	int i, n;

	end = t0 + (uint64_t)(g.duration * 1e9);
	last_sweep = t0;
	for (;;) {
		uint64_t now = now_ns();

		if (now >= end)
			break;
		for (i = 0; i < g.concurrency; i++) {
			if (cl[i].state != S_IDLE)
				continue;
			if (g.rate > 0) {
				if (now < g.next_ns)
					break;
				/* Late: no burst to catch up. */
				g.next_ns =
				    (g.next_ns > now ? g.next_ns : now) +
				    (uint64_t)(1e9 / g.rate);
			}
			client_start(&cl[i]);
		}
		if (now - last_sweep > 100000000u) {
			sweep_timeouts(cl);
			last_sweep = now;
		}
		n = epoll_wait(g.epfd, evs, 256, wait_ms(now));
		for (i = 0; i < n; i++) {
			struct client *c = evs[i].data.ptr;

			if (c->fd == -1)
				continue;
			if (c->state == S_READING)
				client_read(c);
			else if (c->state == S_WRITING)
				client_write(c);
		}
	}
}

static void
report(double secs)
{
	int i;

	printf("mode=%s concurrency=%d idle=%d rate=%g seconds=%.2f ops=%llu "
	       "ops_per_s=%.0f p50_us=%.1f p99_us=%.1f max_us=%.1f",
	    g.mode == M_CONN	      ? "conn"
		: g.mode == M_PERSIST ? "persist"
				      : "udp",
	    g.concurrency, g.idle, g.rate, secs, (unsigned long long)g.ops,
	    (double)g.ops / secs, hist_percentile(0.50) / 1e3,
	    hist_percentile(0.99) / 1e3, g.max_ns / 1e3);
	for (i = 0; i < E_MAX; i++)
		printf(" err_%s=%llu", err_names[i],
		    (unsigned long long)g.errs[i]);
	printf("\n");
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen --mode conn|persist|udp "
	    "[--concurrency C] [--idle K] [--rate R] [--sources N] "
	    "[--duration S] [--timeout S] HOST:PORT|/unix/path\n");
	exit(64);
}

static void
parse_args(int argc, char **argv)
{
	static const struct option opts[] = {{"mode", required_argument, NULL,
						 'm'},
	    {"concurrency", required_argument, NULL, 'c'},
	    {"idle", required_argument, NULL, 'i'},
	    {"duration", required_argument, NULL, 'd'},
	    {"timeout", required_argument, NULL, 't'},
	    {"rate", required_argument, NULL, 'r'},
	    {"sources", required_argument, NULL, 's'}, {NULL, 0, NULL, 0}};
	int ch;

	g.concurrency = 1;
	g.duration = 5;
	g.timeout = 5;
	g.sources = 16;
	while ((ch = getopt_long(argc, argv, "m:c:i:d:t:r:s:", opts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'm':
			if (strcmp(optarg, "conn") == 0)
				g.mode = M_CONN;
			else if (strcmp(optarg, "persist") == 0)
				g.mode = M_PERSIST;
			else if (strcmp(optarg, "udp") == 0)
				g.mode = M_UDP;
			else
				usage();
			break;
		case 'c':
			g.concurrency = atoi(optarg);
			break;
		case 'i':
			g.idle = atoi(optarg);
			break;
		case 'd':
			g.duration = atof(optarg);
			break;
		case 't':
			g.timeout = atof(optarg);
			break;
		case 'r':
			g.rate = atof(optarg);
			break;
		case 's':
			g.sources = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1 || g.concurrency < 1 || g.concurrency > 10000 ||
	    g.idle < 0 || g.idle > 10000 || g.duration <= 0 ||
	    g.duration > 3600 || g.timeout <= 0 || g.rate < 0 || g.rate > 1e6 ||
	    g.sources < 1 || g.sources > 254)
		usage();
	if (parse_target(argv[optind]) == -1) {
		fprintf(stderr, "loadgen: bad target %s\n", argv[optind]);
		exit(64);
	}
}

int
main(int argc, char **argv)
{
	struct client *cl;
	int *idle;
	uint64_t t0;
	int i;

	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	if ((g.epfd = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (cl = calloc((size_t)g.concurrency, sizeof(*cl))) == NULL) {
		perror("loadgen");
		return 71;
	}
	for (i = 0; i < g.concurrency; i++)
		cl[i].fd = -1;
	if ((idle = open_idle(g.idle)) == NULL) {
		perror("loadgen");
		return 71;
	}
	t0 = now_ns();
	run(cl);
	report((double)(now_ns() - t0) / 1e9);
	for (i = 0; i < g.concurrency; i++)
		client_close(&cl[i]);
	for (i = 0; i < g.idle; i++)
		if (idle[i] != -1)
			close(idle[i]);
	free(idle);
	free(cl);
	return 0;
}
