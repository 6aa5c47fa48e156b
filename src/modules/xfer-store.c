/*
 * xfer-store.c -- the files of the xfer module's root: how the module
 * opens the files it writes, reserves room for an upload under
 * max_total_size, and turns a finished upload into its file.
 *
 * A file the module writes is written only once it is a regular file
 * with one link (private_open), so a hard link planted in root does not
 * lead out of it.  An upload is written to the hidden `.part.NAME',
 * locked with flock(2) so a second upload of NAME is refused instead of
 * interleaved, and becomes NAME only once complete: fsync, renameat,
 * fsync of the directory, then the acknowledgement -- a reader never
 * sees half a file and a crash loses nothing that was acknowledged.
 * max_total_size counts uploads in flight at their full size: each
 * records a reservation in root's `.quota' under that file's lock, valid
 * while its partial stays locked, so concurrent uploads in any number of
 * processes and threads cannot pass the limit together, and a crashed
 * one's reservation ends with its lock (the records themselves are
 * xfer-quota.c's).  Failures are logged here, naming root and the file.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "xfer-proto.h"
#include "xfer-quota.h"
#include "xfer-store.h"

#define XFER_RETRIES 5 /* lock-file races before giving up */

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
 * The probe's own short lock can make xfer_store_part_open() see a busy
 * partial; xfer_store_part_open() looks again under the quota lock, which every
 * probe holds.
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
int
xfer_store_reserve(const struct xfer *x, const char *part, const char *name,
    uint64_t size)
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
int
xfer_store_part_open(const struct xfer *x, const char *part, int *code)
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
	x->env->log(LOG_WARNING,
	    "xfer: %s: %s/%s was replaced during the "
	    "upload",
	    x->env->service, x->root, name);
	errno = EXDEV;
	return -1;
}

/*
 * Make the finished partial the file `name', durably.  The acknowledgement
 * that follows is true: what `name' holds is the file received.
 */
int
xfer_store_commit(const struct xfer *x, int fd, const char *part,
    const char *name)
{
	if (fsync(fd) == -1 || still_ours(x, fd, part) == -1 ||
	    quota_end(x, part, name, 1) == -1 || still_ours(x, fd, name) == -1)
		return -1;
	return fsync(x->rootfd);
}

/* An upload that stops short: the partial stays for a resume. */
void
xfer_store_abort(const struct xfer *x, int fd, const char *part,
    const char *name)
{
	quota_end(x, part, name, 0);
	close(fd); /* after the reservation: its lock marks it in flight */
}
