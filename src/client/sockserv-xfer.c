/*
 * sockserv-xfer.c -- the client of the xfer module (sockserv-xfer(1)):
 * put a local file, get a remote one, or list the store, speaking the
 * protocol of doc/xfer-protocol.md through the shared parsers of
 * xfer-proto.c.  Both transfers resume by themselves (the server says
 * how much of an upload it holds; a download continues at the local
 * file's size) and end verified: the final size and the CRC-32 of the
 * whole file must match on both ends.  A progress bar is drawn only when
 * stderr is a terminal; otherwise the output is one summary line per
 * transfer on stdout, for scripts.  Errors are one line on stderr and a
 * distinct exit status (see usage()).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netdb.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xfer-proto.h"

#define EX_OK_	   0
#define EX_REFUSED 1 /* the server said err */
#define EX_CONN	   2 /* connection failed, lost, or protocol error */
#define EX_VERIFY  3 /* size or checksum mismatch */
#define EX_LOCAL   4 /* a local file could not be read or written */
#define EX_USAGE_  64

#define BUFSZ 65536

static const char *progname = "sockserv-xfer";
static int opt_quiet;
static int opt_timeout = 30;
static double opt_rate; /* bytes/s; 0: unlimited */

struct conn {
	int fd;
	size_t off, len;
	char buf[BUFSZ];
};

struct progress {
	int on;
	const char *name;
	uint64_t size, start, done; /* done: absolute position */
	double t0, last;
};

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
	    "usage: %s [-q] [-r RATE] [-t SECS] TARGET put LOCALFILE [NAME]\n"
	    "       %s [-q] [-r RATE] [-t SECS] TARGET get NAME [LOCALFILE]\n"
	    "       %s [-q] [-t SECS] TARGET list\n"
	    "TARGET is HOST:PORT, [IPV6]:PORT, /path/to/socket or "
	    "unix:///path\n",
	    progname, progname, progname);
	exit(EX_USAGE_);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ connection */

static int
connect_unix(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		die(EX_USAGE_, "%s: socket path too long", path);
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		die(EX_CONN, "cannot connect to %s: %s", path, strerror(errno));
	return fd;
}

static int
connect_inet(const char *target)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	char host[512], *port;
	int fd = -1, rv, saved = 0;

	if (strlen(target) >= sizeof(host))
		die(EX_USAGE_, "target too long");
	strcpy(host, target);
	if ((port = strrchr(host, ':')) == NULL || port[1] == '\0')
		die(EX_USAGE_, "%s: expected HOST:PORT", target);
	*port++ = '\0';
	memmove(host, host + (host[0] == '['), strlen(host) + 1);
	if (host[0] != '\0' && host[strlen(host) - 1] == ']')
		host[strlen(host) - 1] = '\0';
	if ((rv = getaddrinfo(host, port, &hints, &res)) != 0)
		die(EX_CONN, "%s: %s", target, gai_strerror(rv));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd != -1 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		saved = errno;
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		die(EX_CONN, "cannot connect to %s: %s", target,
		    strerror(saved));
	return fd;
}

static void
conn_open(struct conn *c, const char *target)
{
	struct timeval tv = {.tv_sec = opt_timeout};

	if (target[0] == '/')
		c->fd = connect_unix(target);
	else if (strncmp(target, "unix://", 7) == 0)
		c->fd = connect_unix(target + 7);
	else
		c->fd = connect_inet(target);
	c->off = c->len = 0;
	if (opt_timeout > 0) {
		setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
}

static void __attribute__((noreturn)) conn_lost(int err)
{
	if (err == EAGAIN || err == EWOULDBLOCK)
		die(EX_CONN, "connection timed out");
	if (err == 0)
		die(EX_CONN, "connection lost (closed by the server)");
	die(EX_CONN, "connection lost: %s", strerror(err));
}

static void
conn_write(struct conn *c, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = send(c->fd, p, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			conn_lost(errno);
		}
		p += n;
		len -= (size_t)n;
	}
}

static size_t
conn_fill(struct conn *c)
{
	ssize_t n;

	if (c->off < c->len)
		return c->len - c->off;
	do
		n = recv(c->fd, c->buf, sizeof(c->buf), 0);
	while (n == -1 && errno == EINTR);
	if (n <= 0)
		conn_lost(n == 0 ? 0 : errno);
	c->off = 0;
	c->len = (size_t)n;
	return c->len;
}

/* One line without its newline, NUL-terminated in line[XFER_LINE_MAX]. */
static size_t
conn_readline(struct conn *c, char *line)
{
	size_t n = 0;

	for (;;) {
		conn_fill(c);
		while (c->off < c->len) {
			char ch = c->buf[c->off++];

			if (ch == '\n') {
				line[n] = '\0';
				return n;
			}
			if (n == XFER_LINE_MAX - 1)
				die(EX_CONN, "protocol error: reply too long");
			line[n++] = ch;
		}
	}
}

/* Read a reply; an `err' reply ends the program with its text. */
static void
reply_read(struct conn *c, struct xfer_reply *rep, char *line, const char *what)
{
	size_t n = conn_readline(c, line);

	if (xfer_parse_reply(line, n, rep) == -1)
		die(EX_CONN, "protocol error: unexpected reply `%.80s'", line);
	if (!rep->ok)
		die(EX_REFUSED, "%s: refused by the server: %.*s (%d)", what,
		    (int)rep->textlen, rep->text, rep->code);
}

static uint64_t
field_num(const struct xfer_reply *rep, int i)
{
	uint64_t v;

	if (i >= rep->nfield ||
	    xfer_parse_num(rep->field[i], rep->fieldlen[i], &v) == -1)
		die(EX_CONN, "protocol error: bad number in reply");
	return v;
}

static uint32_t
field_crc(const struct xfer_reply *rep, int i)
{
	uint32_t v;

	if (i >= rep->nfield ||
	    xfer_parse_crc(rep->field[i], rep->fieldlen[i], &v) == -1)
		die(EX_CONN, "protocol error: bad checksum in reply");
	return v;
}

/* -------------------------------------------------------------- progress */

static void
human(char *buf, size_t len, double v)
{
	const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(buf, len, i == 0 ? "%.0f %s" : "%.1f %s", v, unit[i]);
}

static void
progress_draw(struct progress *p, int final)
{
	char done[32], size[32], rate[32], eta[32], bar[21];
	double t = now(), el = t - p->t0, r;
	int pct, i;

	if (!p->on || (!final && t - p->last < 0.1))
		return;
	p->last = t;
	r = el > 0 ? (double)(p->done - p->start) / el : 0;
	pct = p->size > 0 ? (int)(p->done * 100 / p->size) : 100;
	for (i = 0; i < 20; i++)
		bar[i] = i < pct / 5 ? '#' : '.';
	bar[20] = '\0';
	human(done, sizeof(done), (double)p->done);
	human(size, sizeof(size), (double)p->size);
	human(rate, sizeof(rate), r);
	if (r > 0 && p->done < p->size) {
		long s = (long)((double)(p->size - p->done) / r);
		snprintf(eta, sizeof(eta), "ETA %ld:%02ld", s / 60, s % 60);
	} else
		snprintf(eta, sizeof(eta), final ? "done" : "ETA --:--");
	fprintf(stderr, "\r%.30s [%s] %s / %s %3d%% %s/s %s\033[K", p->name,
	    bar, done, size, pct, rate, eta);
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

static void
progress_start(
    struct progress *p, const char *name, uint64_t size, uint64_t start)
{
	p->on = !opt_quiet && isatty(2);
	p->name = name;
	p->size = size;
	p->start = p->done = start;
	p->t0 = now();
	p->last = 0;
	progress_draw(p, 0);
}

/* Advance by n bytes; honour -r by sleeping. */
static void
progress_add(struct progress *p, size_t n)
{
	double ahead;

	p->done += n;
	progress_draw(p, 0);
	if (opt_rate > 0) {
		ahead =
		    (double)(p->done - p->start) / opt_rate - (now() - p->t0);
		if (ahead > 0)
			nanosleep(
			    &(struct timespec){.tv_sec = (time_t)ahead,
				.tv_nsec =
				    (long)((ahead - (time_t)ahead) * 1e9)},
			    NULL);
	}
}

static size_t
chunk(uint64_t left)
{
	size_t c = BUFSZ;

	if (opt_rate > 0 && opt_rate / 10 < c)
		c = opt_rate / 10 < 1 ? 1 : (size_t)(opt_rate / 10);
	return left < c ? (size_t)left : c;
}

/* ------------------------------------------------------------- commands */

/* CRC-32 of the first n bytes of fd. */
static uint32_t
local_crc(int fd, uint64_t n, const char *path, char *buf)
{
	uint32_t crc = 0;
	uint64_t pos = 0;
	ssize_t r;

	while (pos < n) {
		r = pread(fd, buf, n - pos < BUFSZ ? (size_t)(n - pos) : BUFSZ,
		    (off_t)pos);
		if (r <= 0)
			die(EX_LOCAL, "%s: %s", path,
			    r == 0 ? "file shrank" : strerror(errno));
		crc = xfer_crc32(crc, buf, (size_t)r);
		pos += (uint64_t)r;
	}
	return crc;
}

static void
check_name(const char *name)
{
	if (!xfer_name_valid(name, strlen(name)))
		die(EX_REFUSED,
		    "refused name `%.40s%s': one path component of "
		    "printable ASCII, no space, no leading dot, at most %d "
		    "bytes",
		    name, strlen(name) > 40 ? "..." : "", XFER_NAME_MAX);
}

static int
cmd_put(struct conn *c, const char *target, const char *local, const char *name)
{
	char line[XFER_LINE_MAX], *buf;
	struct xfer_reply rep;
	struct progress p;
	struct stat sb;
	uint64_t size, off, pos;
	uint32_t crc;
	ssize_t n;
	int fd;

	check_name(name);
	if ((fd = open(local, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1)
		die(EX_LOCAL, "%s: %s", local, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		die(EX_LOCAL, "%s: not a regular file", local);
	size = (uint64_t)sb.st_size;
	conn_open(c, target); /* only once there is something to send */
	snprintf(line, sizeof(line), "put %s %" PRIu64 "\n", name, size);
	conn_write(c, line, strlen(line));
	reply_read(c, &rep, line, name);
	if ((off = field_num(&rep, 0)) > size)
		die(EX_CONN, "protocol error: server holds more than the file");
	if ((buf = malloc(BUFSZ)) == NULL)
		die(EX_LOCAL, "out of memory");
	crc = local_crc(fd, off, local, buf);
	progress_start(&p, name, size, off);
	for (pos = off; pos < size; pos += (uint64_t)n) {
		if ((n = pread(fd, buf, chunk(size - pos), (off_t)pos)) <= 0)
			die(EX_LOCAL, "%s: %s", local,
			    n == 0 ? "file shrank while sending"
				   : strerror(errno));
		crc = xfer_crc32(crc, buf, (size_t)n);
		conn_write(c, buf, (size_t)n);
		progress_add(&p, (size_t)n);
	}
	progress_draw(&p, 1);
	reply_read(c, &rep, line, name);
	if (field_num(&rep, 0) != size)
		die(EX_VERIFY,
		    "%s: size mismatch: server has %" PRIu64 ", sent %" PRIu64,
		    name, field_num(&rep, 0), size);
	if (field_crc(&rep, 1) != crc)
		die(EX_VERIFY,
		    "%s: checksum mismatch (server %08" PRIx32
		    ", local %08" PRIx32 "); the server's partial upload "
		    "was of other data",
		    name, field_crc(&rep, 1), crc);
	if (!opt_quiet)
		printf("put %s size=%" PRIu64 " offset=%" PRIu64
		       " sent=%" PRIu64 " crc=%08" PRIx32 "\n",
		    name, size, off, size - off, crc);
	free(buf);
	close(fd);
	return 0;
}

/* Receive [off, size) into fd; returns the CRC continued from crc. */
static uint32_t
get_receive(struct conn *c, int fd, const char *local, uint64_t off,
    uint64_t size, uint32_t crc, struct progress *p)
{
	uint64_t pos;
	size_t n;

	for (pos = off; pos < size; pos += n) {
		n = conn_fill(c);
		if (n > size - pos)
			n = (size_t)(size - pos);
		if (pwrite(fd, c->buf + c->off, n, (off_t)pos) != (ssize_t)n)
			die(EX_LOCAL, "%s: %s", local, strerror(errno));
		crc = xfer_crc32(crc, c->buf + c->off, n);
		c->off += n;
		progress_add(p, n);
	}
	return crc;
}

static int
cmd_get(struct conn *c, const char *name, const char *local)
{
	char line[XFER_LINE_MAX], *buf;
	struct xfer_reply rep;
	struct progress p;
	struct stat sb;
	uint64_t size, off;
	uint32_t crc;
	int fd, created;

	check_name(name);
	created = access(local, F_OK) == -1;
	if ((fd = open(local, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1 ||
	    fstat(fd, &sb) == -1)
		die(EX_LOCAL, "%s: %s", local, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		die(EX_LOCAL, "%s: not a regular file", local);
	off = (uint64_t)sb.st_size;
	snprintf(line, sizeof(line), "get %s %" PRIu64 "\n", name, off);
	conn_write(c, line, strlen(line));
	if (conn_readline(c, line),
	    xfer_parse_reply(line, strlen(line), &rep) == 0 && !rep.ok) {
		if (created)
			unlink(local); /* nothing of ours to resume */
		if (rep.code == XFER_E_RANGE)
			die(EX_VERIFY,
			    "%s: local file is larger than %s on the "
			    "server",
			    local, name);
		die(EX_REFUSED, "%s: refused by the server: %.*s (%d)", name,
		    (int)rep.textlen, rep.text, rep.code);
	} else if (!rep.ok)
		die(EX_CONN, "protocol error: unexpected reply `%.80s'", line);
	size = field_num(&rep, 0);
	if ((buf = malloc(BUFSZ)) == NULL)
		die(EX_LOCAL, "out of memory");
	crc = local_crc(fd, off, local, buf);
	free(buf);
	progress_start(&p, name, size, off);
	crc = get_receive(c, fd, local, off, size, crc, &p);
	progress_draw(&p, 1);
	if (fsync(fd) == -1 || close(fd) == -1)
		die(EX_LOCAL, "%s: %s", local, strerror(errno));
	reply_read(c, &rep, line, name);
	if (field_crc(&rep, 0) != crc)
		die(EX_VERIFY,
		    "%s: checksum mismatch (server %08" PRIx32
		    ", local %08" PRIx32 "); %s was not a prefix of %s: remove "
		    "it and retry",
		    name, field_crc(&rep, 0), crc, local, name);
	if (!opt_quiet)
		printf("get %s size=%" PRIu64 " offset=%" PRIu64
		       " received=%" PRIu64 " crc=%08" PRIx32 "\n",
		    name, size, off, size - off, crc);
	return 0;
}

static int
cmd_list(struct conn *c)
{
	char line[XFER_LINE_MAX];
	struct xfer_reply rep;
	uint64_t n, i;

	conn_write(c, "list\n", 5);
	reply_read(c, &rep, line, "list");
	n = field_num(&rep, 0);
	for (i = 0; i < n; i++) {
		conn_readline(c, line);
		printf("%s\n", line);
	}
	return 0;
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

int
main(int argc, char *argv[])
{
	static struct conn c;
	const char *target, *cmd;
	char *end;
	int ch, rv;

	while ((ch = getopt(argc, argv, "qr:t:h")) != -1) {
		switch (ch) {
		case 'q':
			opt_quiet = 1;
			break;
		case 'r':
			opt_rate = strtod(optarg, &end);
			if (*end == 'k' || *end == 'K')
				opt_rate *= 1024, end++;
			else if (*end == 'm' || *end == 'M')
				opt_rate *= 1024 * 1024, end++;
			if (*end != '\0' || opt_rate <= 0)
				die(EX_USAGE_, "-r %s: bad rate", optarg);
			break;
		case 't':
			opt_timeout = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || opt_timeout < 0)
				die(EX_USAGE_, "-t %s: bad timeout", optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		usage();
	target = argv[0];
	cmd = argv[1];
	if (strcmp(cmd, "put") == 0 && (argc == 3 || argc == 4)) {
		rv = cmd_put(&c, target, argv[2],
		    argc == 4 ? argv[3] : base_name(argv[2]));
	} else if (strcmp(cmd, "get") == 0 && (argc == 3 || argc == 4)) {
		conn_open(&c, target);
		rv = cmd_get(
		    &c, argv[2], argc == 4 ? argv[3] : base_name(argv[2]));
	} else if (strcmp(cmd, "list") == 0 && argc == 2) {
		conn_open(&c, target);
		rv = cmd_list(&c);
	} else
		usage();
	/* a polite goodbye; the server may already be gone */
	(void)!send(c.fd, "quit\n", 5, MSG_NOSIGNAL);
	close(c.fd);
	if (fflush(stdout) == EOF)
		die(EX_LOCAL, "stdout: %s", strerror(errno));
	return rv;
}
