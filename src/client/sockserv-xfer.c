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

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sockserv.h>

#include "os.h"
#include "xfer-proto.h"

#define EX_OK_	   0
#define EX_REFUSED 1 /* the server said err */
#define EX_CONN	   2 /* connection failed, lost, or protocol error */
#define EX_VERIFY  3 /* size or checksum mismatch */
#define EX_LOCAL   4 /* a local file could not be read or written */
#define EX_USAGE_  64

#define BUFSZ  65536
#define LINESZ (XFER_LINE_MAX + 1) /* a reply line, newline and NUL */

static const char *progname = "sockserv-xfer";
static int opt_quiet;
static int opt_timeout_ms = 30000; /* -1: none */
static double opt_rate;		   /* bytes/s; 0: unlimited */

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

/* ------------------------------------------------------------ connection */

#define TARGET_ADDRS 8 /* addresses of a name tried in turn */

static void __attribute__((noreturn)) conn_lost(int err)
{
	if (err == ETIMEDOUT)
		die(EX_CONN, "connection timed out");
	if (err == 0)
		die(EX_CONN, "connection lost (closed by the server)");
	die(EX_CONN, "connection lost: %s", strerror(err));
}

/* TARGET as one of libsockserv's URLs: unix:// or tcp://. */
static void
target_url(const char *target, char *url, size_t len)
{
	int n;

	if (target[0] == '/')
		n = snprintf(url, len, "unix://%s", target);
	else if (strncmp(target, "unix://", 7) == 0)
		n = snprintf(url, len, "%s", target);
	else
		n = snprintf(url, len, "tcp://%s", target);
	if (n < 0 || (size_t)n >= len)
		die(EX_USAGE_, "target too long");
}

/* Connect to TARGET, trying each address of a host name in turn. */
static struct sockserv_io *
conn_open(const char *target)
{
	struct sockserv_addr a[TARGET_ADDRS];
	struct sockserv_io *io;
	char url[512], err[512];
	int fd = -1, i, n, saved = 0;

	target_url(target, url, sizeof(url));
	if ((n = sockserv_addr_resolve(url, a, TARGET_ADDRS, err,
		 sizeof(err))) == -1)
		die(errno == EHOSTUNREACH ? EX_CONN : EX_USAGE_, "%s", err);
	for (i = 0; i < n && fd == -1; i++) {
		fd = socket(a[i].family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd != -1 &&
		    connect(fd, (struct sockaddr *)&a[i].sa, a[i].len) == 0)
			break;
		saved = errno;
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	if (fd == -1)
		die(EX_CONN, "cannot connect to %s: %s", target,
		    strerror(saved));
	if ((io = sockserv_io_new(fd, opt_timeout_ms)) == NULL)
		die(EX_LOCAL, "out of memory");
	return io;
}

static void
conn_write(struct sockserv_io *io, const void *buf, size_t len)
{
	if (sockserv_io_write(io, buf, len) == -1)
		conn_lost(errno);
}

/* Up to len bytes of the stream into buf; dies at EOF. */
static size_t
conn_read(struct sockserv_io *io, void *buf, size_t len)
{
	ssize_t n;

	if ((n = sockserv_io_read(io, buf, len)) <= 0)
		conn_lost(n == 0 ? 0 : errno);
	return (size_t)n;
}

/* One line without its newline, NUL-terminated in line[LINESZ]. */
static size_t
conn_readline(struct sockserv_io *io, char *line)
{
	ssize_t n;

	if ((n = sockserv_io_readline(io, line, LINESZ)) == -1) {
		if (errno == EMSGSIZE)
			die(EX_CONN, "protocol error: reply too long");
		conn_lost(errno);
	}
	if (n == 0 || line[n - 1] != '\n')
		conn_lost(0);
	line[--n] = '\0';
	return (size_t)n;
}

/* Read a reply; an `err' reply ends the program with its text. */
static void
reply_read(struct sockserv_io *io, struct xfer_reply *rep, char *line,
    const char *what)
{
	size_t n = conn_readline(io, line);

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
	double t = os_monotonic(), el = t - p->t0, r;
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
progress_start(struct progress *p, const char *name, uint64_t size,
    uint64_t start)
{
	p->on = !opt_quiet && isatty(2);
	p->name = name;
	p->size = size;
	p->start = p->done = start;
	p->t0 = os_monotonic();
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
		ahead = (double)(p->done - p->start) / opt_rate -
		    (os_monotonic() - p->t0);
		if (ahead > 0)
			nanosleep(&(struct timespec){.tv_sec = (time_t)ahead,
				      .tv_nsec =
					  (long)((ahead - (time_t)ahead) *
					      1e9)},
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
	uint32_t crc;

	if (xfer_file_crc(fd, n, &crc, buf, BUFSZ) == -1)
		die(EX_LOCAL, "%s: %s", path,
		    errno == ENODATA ? "file shrank" : strerror(errno));
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
cmd_put(struct sockserv_io **iop, const char *target, const char *local,
    const char *name)
{
	struct sockserv_io *io;
	char line[LINESZ], *buf;
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
	/* connect only once there is something to send */
	*iop = io = conn_open(target);
	snprintf(line, sizeof(line), "put %s %" PRIu64 "\n", name, size);
	conn_write(io, line, strlen(line));
	reply_read(io, &rep, line, name);
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
		conn_write(io, buf, (size_t)n);
		progress_add(&p, (size_t)n);
	}
	progress_draw(&p, 1);
	reply_read(io, &rep, line, name);
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
get_receive(struct sockserv_io *io, int fd, const char *local, uint64_t off,
    uint64_t size, uint32_t crc, char *buf, struct progress *p)
{
	uint64_t pos;
	size_t n;

	for (pos = off; pos < size; pos += n) {
		n = conn_read(io, buf,
		    size - pos < BUFSZ ? (size_t)(size - pos) : BUFSZ);
		if (pwrite(fd, buf, n, (off_t)pos) != (ssize_t)n)
			die(EX_LOCAL, "%s: %s", local, strerror(errno));
		crc = xfer_crc32(crc, buf, n);
		progress_add(p, n);
	}
	return crc;
}

static int
cmd_get(struct sockserv_io *io, const char *name, const char *local)
{
	char line[LINESZ], *buf;
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
	conn_write(io, line, strlen(line));
	if (conn_readline(io, line),
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
	progress_start(&p, name, size, off);
	crc = get_receive(io, fd, local, off, size, crc, buf, &p);
	free(buf);
	progress_draw(&p, 1);
	if (fsync(fd) == -1 || close(fd) == -1)
		die(EX_LOCAL, "%s: %s", local, strerror(errno));
	reply_read(io, &rep, line, name);
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
cmd_list(struct sockserv_io *io)
{
	char line[LINESZ];
	struct xfer_reply rep;
	uint64_t n, i;

	conn_write(io, "list\n", 5);
	reply_read(io, &rep, line, "list");
	n = field_num(&rep, 0);
	for (i = 0; i < n; i++) {
		conn_readline(io, line);
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
	struct sockserv_io *io = NULL;
	const char *target, *cmd;
	char *end;
	long secs;
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
			secs = strtol(optarg, &end, 10);
			if (*end != '\0' || secs < 0 || secs > INT_MAX / 1000)
				die(EX_USAGE_, "-t %s: bad timeout", optarg);
			opt_timeout_ms = secs > 0 ? (int)secs * 1000 : -1;
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
		rv = cmd_put(&io, target, argv[2],
		    argc == 4 ? argv[3] : base_name(argv[2]));
	} else if (strcmp(cmd, "get") == 0 && (argc == 3 || argc == 4)) {
		io = conn_open(target);
		rv = cmd_get(io, argv[2],
		    argc == 4 ? argv[3] : base_name(argv[2]));
	} else if (strcmp(cmd, "list") == 0 && argc == 2) {
		io = conn_open(target);
		rv = cmd_list(io);
	} else
		usage();
	/* a polite goodbye; the server may already be gone */
	(void)sockserv_io_write(io, "quit\n", 5);
	close(sockserv_io_fd(io));
	sockserv_io_free(io);
	if (fflush(stdout) == EOF)
		die(EX_LOCAL, "stdout: %s", strerror(errno));
	return rv;
}
