/*
 * xfer.c -- the xfer handler module: a small file store under
 * `xfer { root = ... }' spoken to with the line protocol of
 * doc/xfer-protocol.md (put with resume, get with resume, list).  This
 * file owns the module's options, the request loop and the three
 * commands; the files in root are xfer-store.c's, the parsers
 * xfer-proto.c's.
 *
 * Names come only through xfer_parse_request (one printable path
 * component, no leading dot), and every file is opened relative to the
 * root directory descriptor with O_NOFOLLOW, so neither `..' nor a
 * symlink planted in root leads out of it.  Limits are checked before
 * the server says `ok' to an upload.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <sockserv.h>
#include <sockserv/module.h>

#include "xfer-proto.h"
#include "xfer-store.h"

#define XFER_BUFSZ 65536

/* What a command handler tells the request loop. */
#define XFER_NEXT  0 /* read the next request */
#define XFER_CLOSE 1 /* end the connection cleanly */

static cfg_opt_t xfer_opts[] = {
    CFG_STR("root", NULL, CFGF_NODEFAULT),
    CFG_INT("max_file_size", 0, CFGF_NONE),
    CFG_INT("max_total_size", 0, CFGF_NONE),
    CFG_END(),
};

static int
xfer_check(cfg_t *sec, const struct sockserv_module_env *env)
{
	const char *root;
	struct stat sb;
	int rv = 0;

	if (sec == NULL || (root = cfg_getstr(sec, "root")) == NULL) {
		cfg_error(sec,
		    "xfer: `root' is required, e.g. "
		    "xfer { root = \"/var/lib/sockserv/files\" }");
		return -1;
	}
	if (root[0] != '/') {
		cfg_error(sec, "xfer: root `%s' is not an absolute path", root);
		rv = -1;
	} else if (stat(root, &sb) == -1) {
		cfg_error(sec, "xfer: root `%s': %s", root, strerror(errno));
		rv = -1;
	} else if (!S_ISDIR(sb.st_mode)) {
		cfg_error(sec, "xfer: root `%s' is not a directory", root);
		rv = -1;
	}
	if (cfg_getint(sec, "max_file_size") < 0) {
		cfg_error(sec,
		    "xfer: max_file_size must be >= 0 (0: no limit)");
		rv = -1;
	}
	if (cfg_getint(sec, "max_total_size") < 0) {
		cfg_error(sec,
		    "xfer: max_total_size must be >= 0 (0: no limit)");
		rv = -1;
	}
	return rv;
}

static int
xfer_init(const struct sockserv_module_env *env, void **state)
{
	struct xfer *x;
	const char *root = cfg_getstr(env->options, "root");

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return -1;
	x->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x->rootfd == -1) {
		env->log(LOG_ERR, "xfer: %s: root %s: %s", env->service, root,
		    strerror(errno));
		free(x);
		return -1;
	}
	x->root = root;
	x->max_file = cfg_getint(env->options, "max_file_size");
	x->max_total = cfg_getint(env->options, "max_total_size");
	x->timeout = env->timeout;
	x->env = env;
	*state = x;
	return 0;
}

static void
xfer_fini(void *state)
{
	struct xfer *x = state;

	if (x == NULL)
		return;
	close(x->rootfd);
	free(x);
}

static int reply(struct sockserv_io *io, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
reply(struct sockserv_io *io, const char *fmt, ...)
{
	char buf[XFER_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	return sockserv_io_write(io, buf, (size_t)n);
}

static int
reply_err(struct sockserv_io *io, int code)
{
	return reply(io, "err %d %s", code, xfer_strerror(code)) == -1
	    ? -1
	    : XFER_NEXT;
}

static void xfer_log(const struct xfer *x, struct sockserv_request *req,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* One info line naming the service and the client, numerically. */
static void
xfer_log(const struct xfer *x, struct sockserv_request *req, const char *fmt,
    ...)
{
	char peer[SOCKSERV_ADDRSTRLEN], msg[XFER_LINE_MAX];
	const struct sockaddr *sa;
	socklen_t salen;
	va_list ap;

	if (x->env->log == NULL)
		return;
	sa = sockserv_request_client(req, &salen);
	if (sa == NULL || salen == 0)
		snprintf(peer, sizeof(peer), "unix:");
	else
		sockserv_sockaddr_format(sa, salen, peer, sizeof(peer));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	x->env->log(LOG_INFO, "xfer: %s: %s: %s", x->env->service, peer, msg);
}

/* Receive `want' bytes into fd at `pos'.  0, or -1: connection lost. */
static int
put_receive(struct sockserv_io *io, int fd, uint64_t pos, uint64_t want,
    char *buf, int *werr)
{
	ssize_t n, w;
	size_t off;

	while (want > 0) {
		n = sockserv_io_read(io, buf,
		    want < XFER_BUFSZ ? (size_t)want : XFER_BUFSZ);
		if (n <= 0)
			return -1;
		for (off = 0; off < (size_t)n && *werr == 0; off += (size_t)w) {
			w = pwrite(fd, buf + off, (size_t)n - off,
			    (off_t)(pos + off));
			if (w == -1 && errno != EINTR)
				*werr = errno;
			if (w == -1)
				w = 0;
		}
		pos += (uint64_t)n;
		want -= (uint64_t)n;
	}
	return 0;
}

static int
do_put(struct xfer *x, struct sockserv_request *req, struct sockserv_io *io,
    const struct xfer_req *r, char *buf)
{
	char part[sizeof(XFER_PART_PREFIX) + XFER_NAME_MAX];
	struct stat sb;
	uint64_t off;
	uint32_t crc;
	int fd, code = 0, werr = 0;

	if (x->max_file > 0 && r->num > (uint64_t)x->max_file)
		return reply_err(io, XFER_E_FBIG);
	snprintf(part, sizeof(part), "%s%s", XFER_PART_PREFIX, r->name);
	if ((fd = xfer_store_part_open(x, part, &code)) == -1)
		return reply_err(io, code);
	if (fstat(fd, &sb) == -1)
		code = XFER_E_IO;
	off = (uint64_t)sb.st_size;
	if (code == 0 && off > r->num) { /* not a prefix of this upload */
		if (ftruncate(fd, 0) == -1)
			code = XFER_E_IO;
		off = 0;
	}
	if (code == 0 && x->max_total > 0)
		code = xfer_store_reserve(x, part, r->name, r->num);
	if (code != 0) {
		if (off == 0) /* still locked: a refusal leaves nothing */
			unlinkat(x->rootfd, part, 0);
		close(fd);
		return reply_err(io, code);
	}
	if (reply(io, "ok %" PRIu64, off) == -1 ||
	    put_receive(io, fd, off, r->num - off, buf, &werr) == -1) {
		xfer_log(x, req, "put %s: connection lost", r->name);
		xfer_store_abort(x, fd, part, r->name);
		return -1;
	}
	errno = werr;
	if (werr != 0 ||
	    xfer_file_crc(fd, r->num, &crc, buf, XFER_BUFSZ) == -1 ||
	    xfer_store_commit(x, fd, part, r->name) == -1) {
		x->env->log(LOG_ERR, "xfer: %s: put %s: %s", x->env->service,
		    r->name, strerror(errno));
		xfer_store_abort(x, fd, part, r->name);
		/* bytes were lost: the stream cannot stay in step */
		reply(io, "err %d %s", XFER_E_IO, xfer_strerror(XFER_E_IO));
		return XFER_CLOSE;
	}
	close(fd);
	xfer_log(x, req,
	    "put %s size %" PRIu64 " offset %" PRIu64 " received %" PRIu64,
	    r->name, r->num, off, r->num - off);
	return reply(io, "ok %" PRIu64 " %08" PRIx32, r->num, crc) == -1
	    ? -1
	    : XFER_NEXT;
}

/* Send [off, size) of fd, the CRC running over [0, size). */
static int
get_send(struct sockserv_io *io, int fd, uint64_t off, uint64_t size,
    uint32_t *crc, char *buf)
{
	uint64_t pos = 0;
	ssize_t n;

	if (xfer_file_crc(fd, off, crc, buf, XFER_BUFSZ) == -1)
		return -1;
	for (pos = off; pos < size; pos += (uint64_t)n) {
		size_t want = size - pos < XFER_BUFSZ ? size - pos : XFER_BUFSZ;

		n = pread(fd, buf, want, (off_t)pos);
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0)
			return -1;
		*crc = xfer_crc32(*crc, buf, (size_t)n);
		if (sockserv_io_write(io, buf, (size_t)n) == -1)
			return -1;
	}
	return 0;
}

static int
do_get(struct xfer *x, struct sockserv_request *req, struct sockserv_io *io,
    const struct xfer_req *r, char *buf)
{
	struct stat sb;
	uint64_t size;
	uint32_t crc;
	int fd;

	fd = openat(x->rootfd, r->name,
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1)
		return reply_err(io,
		    errno == ENOENT || errno == ELOOP ? XFER_E_NOENT
						      : XFER_E_IO);
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return reply_err(io, XFER_E_NOENT);
	}
	size = (uint64_t)sb.st_size;
	if (r->num > size) {
		close(fd);
		return reply_err(io, XFER_E_RANGE);
	}
	if (reply(io, "ok %" PRIu64, size) == -1 ||
	    get_send(io, fd, r->num, size, &crc, buf) == -1) {
		/* after `ok' the byte count is promised: only closing is left
		 */
		xfer_log(x, req, "get %s: aborted", r->name);
		close(fd);
		return -1;
	}
	close(fd);
	xfer_log(x, req,
	    "get %s size %" PRIu64 " offset %" PRIu64 " sent %" PRIu64, r->name,
	    size, r->num, size - r->num);
	return reply(io, "ok %08" PRIx32, crc) == -1 ? -1 : XFER_NEXT;
}

/* Append "NAME SIZE\n" to the growing buffer *out. */
static int
list_add(char **out, size_t *len, size_t *cap, const char *name, int64_t size)
{
	char line[XFER_NAME_MAX + 32];
	int n;
	char *p;

	n = snprintf(line, sizeof(line), "%s %" PRId64 "\n", name, size);
	if (*len + (size_t)n > *cap) {
		size_t ncap = *cap * 2 + (size_t)n + 4096;

		if ((p = realloc(*out, ncap)) == NULL)
			return -1;
		*out = p;
		*cap = ncap;
	}
	memcpy(*out + *len, line, (size_t)n);
	*len += (size_t)n;
	return 0;
}

static int
do_list(struct xfer *x, struct sockserv_io *io)
{
	struct dirent *de;
	struct stat sb;
	char *out = NULL;
	size_t len = 0, cap = 0, count = 0;
	DIR *d;
	int fd, rv;

	fd = openat(x->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return reply_err(io, XFER_E_IO);
	}
	while ((de = readdir(d)) != NULL) {
		/* partials and anything unnamable through the protocol stay
		 * hidden */
		if (!xfer_name_valid(de->d_name, strlen(de->d_name)) ||
		    fstatat(fd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(sb.st_mode))
			continue;
		if (list_add(&out, &len, &cap, de->d_name, sb.st_size) == -1) {
			closedir(d);
			free(out);
			return reply_err(io, XFER_E_IO);
		}
		count++;
	}
	closedir(d);
	rv = reply(io, "ok %zu", count);
	if (rv == 0 && len > 0)
		rv = sockserv_io_write(io, out, len);
	free(out);
	return rv == -1 ? -1 : XFER_NEXT;
}

/*
 * Read one request line.  Returns its length without the newline, 0 at
 * EOF, -1 on error, or -2 after a too-long line was skipped.
 */
static ssize_t
read_request(struct sockserv_io *io, char *line, size_t max)
{
	ssize_t n;
	size_t skipped = 0;

	if ((n = sockserv_io_readline(io, line, max)) > 0) {
		if (line[n - 1] == '\n')
			n--;
		return n;
	}
	if (n == 0 || errno != EMSGSIZE)
		return n;
	/* discard the rest of the line, up to a bound */
	while (skipped < 64 * XFER_LINE_MAX) {
		n = sockserv_io_readline(io, line, max);
		if (n > 0 && line[n - 1] == '\n')
			return -2;
		if (n == 0 || (n == -1 && errno != EMSGSIZE))
			return n;
		skipped += max;
	}
	errno = EMSGSIZE;
	return -1;
}

static int
dispatch(struct xfer *x, struct sockserv_request *req, struct sockserv_io *io,
    const char *line, size_t len, char *buf)
{
	struct xfer_req r;
	int code;

	if ((code = xfer_parse_request(line, len, &r)) != 0)
		return reply_err(io, code);
	switch (r.cmd) {
	case XFER_PUT:
		return do_put(x, req, io, &r, buf);
	case XFER_GET:
		return do_get(x, req, io, &r, buf);
	case XFER_LIST:
		return do_list(x, io);
	case XFER_QUIT:
		reply(io, "ok bye");
		return XFER_CLOSE;
	}
	return reply_err(io, XFER_E_BADREQ);
}

static int
xfer_handle(struct sockserv_request *req)
{
	struct xfer *x = sockserv_request_context(req);
	struct sockserv_io *io = sockserv_request_io(req);
	char line[XFER_LINE_MAX + 1], *buf;
	ssize_t n;
	int rv = XFER_NEXT;

	if (x == NULL || io == NULL)
		return -1;
	if (x->timeout > 0)
		sockserv_io_set_timeout(io, x->timeout * 1000);
	if ((buf = malloc(XFER_BUFSZ)) == NULL)
		return -1;
	while (rv == XFER_NEXT) {
		n = read_request(io, line, sizeof(line));
		if (n == -2) {
			rv = reply_err(io, XFER_E_TOOLONG);
			continue;
		}
		if (n == -1 && errno == EMSGSIZE) {
			reply_err(io, XFER_E_TOOLONG);
			break;
		}
		if (n <= 0)
			break;
		rv = dispatch(x, req, io, line, (size_t)n, buf);
	}
	free(buf);
	/* a lost or idle client is the client's failure, not the handler's */
	return 0;
}

static const struct sockserv_handler xfer_stream = {
    .handle = xfer_handle,
};

const struct sockserv_module sockserv_module = {
    .abi = SOCKSERV_MODULE_ABI,
    .name = "xfer",
    .socktypes = SOCKSERV_MOD_STREAM,
    .thread_safe = true,
    .options = xfer_opts,
    .check = xfer_check,
    .init = xfer_init,
    .fini = xfer_fini,
    .stream = &xfer_stream,
};
