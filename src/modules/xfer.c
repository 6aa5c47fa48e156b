/*
 * xfer.c -- the xfer handler module: a small file store under
 * `xfer { root = ... }' spoken to with the line protocol of
 * doc/xfer-protocol.md (put with resume, get with resume, list).
 *
 * Safety rests on four rules.  Names come only through
 * xfer_parse_request (one printable path component, no leading dot), and
 * every file is opened relative to the root directory descriptor with
 * O_NOFOLLOW, so neither `..' nor a symlink planted in root leads out of
 * it.  A file the module writes is written only once it is a regular file
 * with one link (private_open), so a hard link planted in root does not
 * lead out of it either.  An upload is written to the hidden
 * `.part.NAME', locked with flock(2) so a second upload of NAME is
 * refused instead of interleaved, and becomes NAME only once complete:
 * fsync, renameat, fsync of the directory, then the acknowledgement -- a
 * reader never sees half a file and a crash loses nothing that was
 * acknowledged.  Limits are checked before the server says `ok' to an
 * upload, and max_total_size counts uploads in flight at their full size:
 * each records a reservation in root's `.quota' under that file's lock,
 * valid while its partial stays locked, so concurrent uploads in any
 * number of processes and threads cannot pass the limit together, and a
 * crashed one's reservation ends with its lock.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/file.h>
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
#include "xfer-quota.h"

#define XFER_BUFSZ   65536
#define XFER_RETRIES 5 /* lock-file races before giving up */

struct xfer {
	int rootfd;
	const char *root;  /* for messages */
	int64_t max_file;  /* 0: no limit */
	int64_t max_total; /* 0: no limit */
	int timeout;	   /* s; 0: none */
	const struct sockserv_module_env *env;
};

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
		cfg_error(
		    sec, "xfer: max_file_size must be >= 0 (0: no limit)");
		rv = -1;
	}
	if (cfg_getint(sec, "max_total_size") < 0) {
		cfg_error(
		    sec, "xfer: max_total_size must be >= 0 (0: no limit)");
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
xfer_log(
    const struct xfer *x, struct sockserv_request *req, const char *fmt, ...)
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

static void
close_keep_errno(int fd)
{
	int e = errno;

	close(fd);
	errno = e;
}

/*
 * Open the module's own file `name' in root read-write, creating it with
 * `mode', and flock(2) it with `lockop'.  What comes back is locked, still
 * the file under `name', and a regular file with one link: anything else
 * there -- a hard link to a file outside root, a FIFO, a device -- is
 * unlinked (under its lock, so no other upload is using it) and replaced
 * by a fresh file; no byte is ever written through it.  A symlink cannot
 * be locked, so it is refused (ELOOP), never followed nor removed.
 * Returns the descriptor, or -1 with errno (EWOULDBLOCK: locked).
 */
static int
private_open(const struct xfer *x, const char *name, mode_t mode, int lockop)
{
	struct stat a, b;
	int fd, i, rv;

	for (i = 0; i < XFER_RETRIES; i++) {
		fd = openat(x->rootfd, name,
		    O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
			O_CLOEXEC,
		    mode);
		if (fd == -1)
			return -1;
		while ((rv = flock(fd, lockop)) == -1 && errno == EINTR)
			;
		if (rv == 0 && (rv = fstat(fd, &a)) == 0)
			rv = fstatat(x->rootfd, name, &b, AT_SYMLINK_NOFOLLOW);
		if (rv == -1 && errno != ENOENT) {
			close_keep_errno(fd);
			return -1;
		}
		if (rv == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			if (S_ISREG(a.st_mode) && a.st_nlink == 1)
				return fd;
			x->env->log(LOG_WARNING,
			    "xfer: %s: %s/%s is not a regular file with one "
			    "link: replaced",
			    x->env->service, x->root, name);
			if (unlinkat(x->rootfd, name, 0) == -1) {
				close_keep_errno(fd);
				return -1;
			}
		}
		close(fd); /* renamed or replaced meanwhile: once more */
	}
	errno = EBUSY;
	return -1;
}

static void
quota_log(const struct xfer *x, const char *name)
{
	x->env->log(LOG_ERR, "xfer: %s: put %s: quota records in %s/%s: %s",
	    x->env->service, name, x->root, XFER_QUOTA_FILE, strerror(errno));
}

/* Lock root's quota file: every change to the accounting holds it. */
static int
quota_lock(const struct xfer *x)
{
	int fd;

	if ((fd = private_open(x, XFER_QUOTA_FILE, 0600, LOCK_EX)) == -1)
		x->env->log(LOG_ERR, "xfer: %s: %s/%s: %s", x->env->service,
		    x->root, XFER_QUOTA_FILE, strerror(errno));
	return fd;
}

/* The records of the locked quota file, in *v with room for one more. */
static int
resv_load(int qfd, struct xfer_resv **v, size_t *n)
{
	struct stat sb;
	size_t len = 0, max;
	ssize_t r;
	char *buf;

	if (fstat(qfd, &sb) == -1 ||
	    (buf = malloc((size_t)sb.st_size + 1)) == NULL)
		return -1;
	while (len < (size_t)sb.st_size) {
		r = pread(qfd, buf + len, (size_t)sb.st_size - len, (off_t)len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			free(buf);
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	max = xfer_resv_count(buf, len);
	if ((*v = calloc(max + 1, sizeof(**v))) != NULL)
		*n = xfer_resv_parse(buf, len, *v, max);
	free(buf);
	return *v == NULL ? -1 : 0;
}

static int
resv_store(int qfd, const struct xfer_resv *v, size_t n)
{
	size_t len;
	ssize_t w;
	char *buf;

	if ((buf = malloc(n * XFER_RESV_LINE + 1)) == NULL)
		return -1;
	len = xfer_resv_format(v, n, buf);
	/* one write: a process killed between two records tears nothing */
	w = pwrite(qfd, buf, len, 0);
	free(buf);
	if (w >= 0 && (size_t)w != len)
		errno = ENOSPC;
	if (w == -1 || (size_t)w != len)
		return -1;
	return ftruncate(qfd, (off_t)len);
}

/*
 * Is the upload of `name' still in flight?  Its process holds the lock on
 * the partial for as long as it runs and loses it when it ends or dies.
 * The probe's own short lock can make part_open() see a busy partial;
 * part_open() looks again under the quota lock, which every probe holds.
 */
static int
resv_live(const struct xfer *x, const char *name)
{
	char part[sizeof(XFER_PART_PREFIX) + XFER_NAME_MAX];
	int fd, live;

	snprintf(part, sizeof(part), "%s%s", XFER_PART_PREFIX, name);
	fd = openat(x->rootfd, part,
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1) /* only a partial that is gone ended; EMFILE did not */
		return errno != ENOENT;
	live = flock(fd, LOCK_SH | LOCK_NB) == -1;
	close(fd);
	return live;
}

static int
resv_cmp(const void *a, const void *b)
{
	const struct xfer_resv *ra = a, *rb = b;

	return strcmp(ra->name, rb->name);
}

static int
resv_key_cmp(const void *key, const void *elem)
{
	const struct xfer_resv *r = elem;

	return strcmp(key, r->name);
}

/* Drop the records of uploads that ended or died, and any of `name'. */
static size_t
resv_prune(const struct xfer *x, struct xfer_resv *v, size_t n,
    const char *name, uint64_t *reserved)
{
	size_t i, live = 0;

	for (i = 0; i < n; i++) {
		if (strcmp(v[i].name, name) == 0 || !resv_live(x, v[i].name))
			continue;
		*reserved = xfer_quota_add(*reserved, v[i].size);
		v[live++] = v[i];
	}
	qsort(v, live, sizeof(*v), resv_cmp);
	return live;
}

/*
 * Add to *used the sizes of the regular files in root but the quota
 * file, `skip' and the partials of the uploads in `live' (sorted), which
 * count at their reserved size instead.
 */
static int
root_usage(const struct xfer *x, const char *skip, const struct xfer_resv *live,
    size_t nlive, uint64_t *used)
{
	const size_t plen = sizeof(XFER_PART_PREFIX) - 1;
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int fd;

	if ((fd = openat(x->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close_keep_errno(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, XFER_QUOTA_FILE) == 0 ||
		    strcmp(de->d_name, skip) == 0 ||
		    (strncmp(de->d_name, XFER_PART_PREFIX, plen) == 0 &&
			bsearch(de->d_name + plen, live, nlive, sizeof(*live),
			    resv_key_cmp) != NULL))
			continue;
		if (fstatat(fd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(sb.st_mode))
			*used = xfer_quota_add(*used, (uint64_t)sb.st_size);
	}
	closedir(d);
	return 0;
}

/*
 * Reserve room for the upload of `name', whose partial (locked by the
 * caller) may grow to `size' bytes.  Under the quota lock: used = every
 * file of root as it is, but the partial of each upload in flight at its
 * reserved size; the upload is recorded if `size' more still fits.
 * Returns 0, XFER_E_QUOTA or XFER_E_IO (logged).
 */
static int
quota_reserve(
    const struct xfer *x, const char *part, const char *name, uint64_t size)
{
	struct xfer_resv *v = NULL;
	uint64_t used = 0;
	size_t n;
	int qfd, code = XFER_E_IO;

	if ((qfd = quota_lock(x)) == -1)
		return XFER_E_IO;
	if (resv_load(qfd, &v, &n) == -1)
		goto out;
	n = resv_prune(x, v, n, name, &used);
	if (root_usage(x, part, v, n, &used) == -1)
		goto out;
	code = XFER_E_QUOTA;
	if (xfer_quota_fits(used, size, (uint64_t)x->max_total)) {
		snprintf(v[n].name, sizeof(v[n].name), "%s", name);
		v[n++].size = size;
		code = 0;
	}
	if (resv_store(qfd, v, n) == -1)
		code = XFER_E_IO;
out:
	if (code == XFER_E_IO)
		quota_log(x, name);
	free(v);
	close(qfd);
	return code;
}

/* Drop the record of `name' from the locked quota file. */
static void
resv_drop(const struct xfer *x, int qfd, const char *name)
{
	struct xfer_resv *v = NULL;
	size_t i, n, keep = 0;
	int rv;

	if ((rv = resv_load(qfd, &v, &n)) == 0) {
		for (i = 0; i < n; i++)
			if (strcmp(v[i].name, name) != 0)
				v[keep++] = v[i];
		rv = resv_store(qfd, v, keep);
	}
	/* harmless: a record is dropped anyway once its partial is unlocked */
	if (rv == -1)
		quota_log(x, name);
	free(v);
}

/*
 * End the upload of `name': with `commit', its partial becomes `name'.
 * The rename and the end of the reservation happen together under the
 * quota lock, so a scan counts the bytes exactly once, and the next
 * upload of `name' cannot record its reservation in between and lose it
 * to ours being dropped.  Returns what the rename returns (0 without).
 */
static int
quota_end(const struct xfer *x, const char *part, const char *name, int commit)
{
	int qfd, rv = 0, e = 0;

	if (x->max_total == 0)
		return commit ? renameat(x->rootfd, part, x->rootfd, name) : 0;
	if ((qfd = quota_lock(x)) == -1)
		return commit ? -1 : 0;
	if (commit && (rv = renameat(x->rootfd, part, x->rootfd, name)) == -1)
		e = errno;
	resv_drop(x, qfd, name);
	close(qfd);
	errno = e;
	return rv;
}

/*
 * Open and lock the partial file `part'.  A partial locked by another
 * upload is busy; one locked by a quota probe is not, which only holding
 * the quota lock (as every probe does) tells apart.  Returns the
 * descriptor, or -1 with *code set.
 */
static int
part_open(const struct xfer *x, const char *part, int *code)
{
	int fd, qfd;

	fd = private_open(x, part, 0644, LOCK_EX | LOCK_NB);
	if (fd == -1 && errno == EWOULDBLOCK && x->max_total > 0) {
		if ((qfd = quota_lock(x)) == -1) {
			*code = XFER_E_IO;
			return -1;
		}
		fd = private_open(x, part, 0644, LOCK_EX | LOCK_NB);
		close_keep_errno(qfd);
	}
	if (fd == -1 && errno == EWOULDBLOCK)
		*code = XFER_E_BUSY;
	else if (fd == -1) {
		*code = XFER_E_IO;
		x->env->log(LOG_ERR, "xfer: %s: %s/%s: %s", x->env->service,
		    x->root, part, strerror(errno));
	}
	return fd;
}

/* Receive `want' bytes into fd at `pos'.  0, or -1: connection lost. */
static int
put_receive(struct sockserv_io *io, int fd, uint64_t pos, uint64_t want,
    char *buf, int *werr)
{
	ssize_t n, w;
	size_t off;

	while (want > 0) {
		n = sockserv_io_read(
		    io, buf, want < XFER_BUFSZ ? (size_t)want : XFER_BUFSZ);
		if (n <= 0)
			return -1;
		for (off = 0; off < (size_t)n && *werr == 0; off += (size_t)w) {
			w = pwrite(
			    fd, buf + off, (size_t)n - off, (off_t)(pos + off));
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

/*
 * Is `name' in root still the file fd?  Whoever can write in root can
 * swap a partial for a symlink or a FIFO while the upload runs; the
 * rename is by name, so both ends of it are checked (-1, EXDEV, if not).
 */
static int
still_ours(const struct xfer *x, int fd, const char *name)
{
	struct stat a, b;

	if (fstat(fd, &a) == -1 ||
	    fstatat(x->rootfd, name, &b, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return 0;
	x->env->log(LOG_WARNING, "xfer: %s: %s/%s was replaced during the "
	    "upload", x->env->service, x->root, name);
	errno = EXDEV;
	return -1;
}

/*
 * Make the finished partial the file `name', durably.  The acknowledgement
 * that follows is true: what `name' holds is the file received.
 */
static int
put_commit(const struct xfer *x, int fd, const char *part, const char *name)
{
	if (fsync(fd) == -1 || still_ours(x, fd, part) == -1 ||
	    quota_end(x, part, name, 1) == -1 || still_ours(x, fd, name) == -1)
		return -1;
	return fsync(x->rootfd);
}

/* An upload that stops short: the partial stays for a resume. */
static void
put_abort(const struct xfer *x, int fd, const char *part, const char *name)
{
	quota_end(x, part, name, 0);
	close(fd); /* after the reservation: its lock marks it in flight */
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
	if ((fd = part_open(x, part, &code)) == -1)
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
		code = quota_reserve(x, part, r->name, r->num);
	if (code != 0) {
		if (off == 0) /* still locked: a refusal leaves nothing */
			unlinkat(x->rootfd, part, 0);
		close(fd);
		return reply_err(io, code);
	}
	if (reply(io, "ok %" PRIu64, off) == -1 ||
	    put_receive(io, fd, off, r->num - off, buf, &werr) == -1) {
		xfer_log(x, req, "put %s: connection lost", r->name);
		put_abort(x, fd, part, r->name);
		return -1;
	}
	errno = werr;
	if (werr != 0 ||
	    xfer_file_crc(fd, r->num, &crc, buf, XFER_BUFSZ) == -1 ||
	    put_commit(x, fd, part, r->name) == -1) {
		x->env->log(LOG_ERR, "xfer: %s: put %s: %s", x->env->service,
		    r->name, strerror(errno));
		put_abort(x, fd, part, r->name);
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
