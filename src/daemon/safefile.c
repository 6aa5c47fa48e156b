/*
 * safefile.c -- the files the master opens, changes and removes by name:
 * the pidfile, the log file and Unix socket files.
 *
 * The master does this as root (before it switches to `user', or always
 * without one), in directories that a less privileged user may be able to
 * change.  This file owns the rule that keeps such a user from steering a
 * privileged open, chown, chmod, bind or unlink onto another file:
 *
 *  - A path is walked from "/" one component at a time with
 *    openat(O_PATH | O_NOFOLLOW), and the directory reached is kept as a
 *    descriptor; the file is then opened, bound, changed and removed
 *    relative to it, never by its whole path again.
 *  - Running as root, every directory walked must pass trust.c's rule,
 *    the one StrictModes applies to modules: owned by root or the
 *    daemon's user and writable by nobody else -- except a sticky
 *    directory such as /tmp, where nobody can rename or remove an entry
 *    they do not own.  A symbolic link on the way is followed only if
 *    root owns it and the directory holding it (/var/run -> /run); any
 *    other is refused.
 *  - The file is opened with O_NOFOLLOW and must be a regular file (or a
 *    character device of root's, such as /dev/null) with one link;
 *    running as root, owned by root or the daemon's user, to whom a
 *    regular file is then given (fchown on the descriptor).
 *  - A file the master removes at shutdown after switching to `user'
 *    (pidfile, socket) must be removable by that user: its directory is
 *    the user's, or sticky and the file the user's.
 *
 * Running as an ordinary user the ownership rules are skipped (nobody can
 * gain anything through the daemon) and directory links are followed,
 * but the file itself is still never opened through a symlink.  Nothing
 * here logs: a refusal is a one-line reason in the caller's buffer (the
 * caller names the file) with errno EPERM; other failures keep their
 * errno and say it.  doc/privileges.md states the rule for the reader.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sockservd.h"

#define SAFEFILE_MAXLINKS 40 /* as the kernel's own walk */

static uid_t safefile_uid = (uid_t)-1; /* the daemon's user */
static gid_t safefile_gid = (gid_t)-1;

/* The directory a walk has reached. */
struct safefile_walk {
	int fd;
	struct stat st;
	char path[PATH_MAX]; /* for messages */
};

/*
 * Started as root with `user': files may belong to uid, and the files the
 * master makes are given to it.  Call before the first safefile_*().
 */
void
safefile_set_user(uid_t uid, gid_t gid)
{
	safefile_uid = uid;
	safefile_gid = gid;
}

static int __attribute__((format(printf, 4, 5)))
safefile_fail(int err_no, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	errno = err_no;
	return -1;
}

/* close(2) that keeps errno, for error paths; -1 is ignored. */
static void
safefile_close(int fd)
{
	int saved = errno;

	if (fd != -1)
		close(fd);
	errno = saved;
}

/* The rule for one directory of a walk (trust.c's), when running as root. */
static int
safefile_check_dir(const struct safefile_walk *w, char *err, size_t errlen)
{
	char what[PATH_MAX + 16];

	if (!trust_strict())
		return 0;
	snprintf(what, sizeof(what), "directory %s", w->path);
	return trust_check_stat(&w->st, what, safefile_uid, false, err, errlen);
}

/* The path of c in w, for messages (and for w's successor). */
static int
safefile_child(const struct safefile_walk *w, const char *c, char *buf,
    size_t len)
{
	char *slash;
	int n;

	if (strcmp(c, "..") != 0)
		return snprintf(buf, len, "%s%s%s", w->path,
		    strcmp(w->path, "/") == 0 ? "" : "/", c);
	n = snprintf(buf, len, "%s", w->path);
	if ((slash = strrchr(buf, '/')) != NULL)
		slash[slash == buf] = '\0';
	return n;
}

/* Step w into fd, its directory at path; fd becomes w's or is closed. */
static int
safefile_enter(struct safefile_walk *w, int fd, const char *path, char *err,
    size_t errlen)
{
	struct safefile_walk next;

	next.fd = fd;
	memcpy(next.path, path, strlen(path) + 1);
	if (fstat(fd, &next.st) == -1) {
		safefile_fail(errno, err, errlen, "%s: %s", next.path,
		    strerror(errno));
		goto fail;
	}
	if (!S_ISDIR(next.st.st_mode)) {
		safefile_fail(ENOTDIR, err, errlen, "%s is not a directory",
		    next.path);
		goto fail;
	}
	if (safefile_check_dir(&next, err, errlen) == -1)
		goto fail;
	close(w->fd);
	*w = next;
	return 0;
fail:
	safefile_close(fd);
	return -1;
}

/*
 * Create the missing directory c in w (mode 0755 whatever the umask) and
 * open it; the one that will hold the file (last) goes to the daemon's
 * user, so that the master can still create and remove files in it.
 */
static int
safefile_mkdir(const struct safefile_walk *w, const char *c, bool last)
{
	int fd;

	if (mkdirat(w->fd, c, 0700) == -1)
		return errno == EEXIST
		    ? openat(w->fd, c, O_PATH | O_NOFOLLOW | O_CLOEXEC)
		    : -1;
	fd = openat(w->fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return -1;
	if ((last && safefile_uid != (uid_t)-1 &&
		fchown(fd, safefile_uid, safefile_gid) == -1) ||
	    fchmod(fd, 0755) == -1) {
		safefile_close(fd);
		return -1;
	}
	return fd;
}

/*
 * May the link fd (c in w, shown as path) be followed?  Then its target
 * replaces it at the head of the path left to walk, *restp (in todo),
 * and *restp points at todo, to be walked from "/" if absolute.
 */
static int
safefile_follow(const struct safefile_walk *w, int fd, const struct stat *st,
    const char *path, char *todo, char **restp, char *err, size_t errlen)
{
	char target[PATH_MAX], buf[PATH_MAX];
	ssize_t n;

	if (trust_strict() && (st->st_uid != 0 || w->st.st_uid != 0))
		return safefile_fail(EPERM, err, errlen,
		    "%s is a symbolic "
		    "link (only root's links in root's directories are "
		    "followed)",
		    path);
	if ((n = readlinkat(fd, "", target, sizeof(target))) == -1)
		return safefile_fail(errno, err, errlen, "%s: %s", path,
		    strerror(errno));
	if ((size_t)n >= sizeof(target) ||
	    snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, target, *restp) >=
		(int)sizeof(buf))
		return safefile_fail(ENAMETOOLONG, err, errlen, "%s: %s", path,
		    strerror(ENAMETOOLONG));
	memcpy(todo, buf, strlen(buf) + 1);
	*restp = todo;
	return 0;
}

/* Start (or restart, at an absolute link) a walk at "/". */
static int
safefile_root(struct safefile_walk *w, char *err, size_t errlen)
{
	int fd;

	if ((fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		return safefile_fail(errno, err, errlen, "/: %s",
		    strerror(errno));
	if (w->fd != -1)
		close(w->fd);
	w->fd = fd;
	snprintf(w->path, sizeof(w->path), "/");
	if (fstat(fd, &w->st) == -1)
		return safefile_fail(errno, err, errlen, "/: %s",
		    strerror(errno));
	return safefile_check_dir(w, err, errlen);
}

/*
 * One component, never followed if a symlink.  O_DIRECTORY first, since
 * only a lookup that wants a directory triggers an automount there.
 */
static int
safefile_component(int dirfd, const char *c)
{
	int fd;

	fd = openat(dirfd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOTDIR)
		fd = openat(dirfd, c, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	return fd;
}

/* One component c of a walk, the rest of the path at *restp. */
static int
safefile_step(struct safefile_walk *w, const char *c, char *todo, char **restp,
    int how, int *links, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, rv;
	bool last = (*restp)[strspn(*restp, "/")] == '\0';

	if (safefile_child(w, c, path, sizeof(path)) >= (int)sizeof(path))
		return safefile_fail(ENAMETOOLONG, err, errlen, "%s/%s: %s",
		    w->path, c, strerror(ENAMETOOLONG));
	if (strcmp(c, "..") == 0)
		fd = openat(w->fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
	else if ((fd = safefile_component(w->fd, c)) == -1 && errno == ENOENT &&
	    (how & SAFEFILE_MKDIR))
		fd = safefile_mkdir(w, c, last);
	if (fd == -1 || fstat(fd, &st) == -1) {
		safefile_fail(errno, err, errlen, "%s: %s", path,
		    strerror(errno));
		safefile_close(fd);
		return -1;
	}
	if (!S_ISLNK(st.st_mode))
		return safefile_enter(w, fd, path, err, errlen);
	if (++*links > SAFEFILE_MAXLINKS)
		rv = safefile_fail(ELOOP, err, errlen, "%s: %s", path,
		    strerror(ELOOP));
	else
		rv =
		    safefile_follow(w, fd, &st, path, todo, restp, err, errlen);
	safefile_close(fd);
	if (rv == 0 && (*restp)[0] == '/')
		rv = safefile_root(w, err, errlen);
	return rv;
}

/*
 * Open the directory holding path (absolute) as described above; *name
 * points at path's last component.  how: SAFEFILE_MKDIR creates missing
 * directories.  Returns the directory's descriptor (O_PATH or read-only,
 * O_CLOEXEC), or -1 with errno and a reason in err.
 */
int
safefile_opendir(const char *path, int how, const char **name, char *err,
    size_t errlen)
{
	struct safefile_walk w;
	char todo[PATH_MAX], *rest, *c;
	const char *base;
	int links = 0;

	if (path[0] != '/')
		return safefile_fail(EINVAL, err, errlen,
		    "not an absolute path");
	base = strrchr(path, '/') + 1;
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return safefile_fail(EINVAL, err, errlen, "not a file name");
	if ((size_t)(base - path) >= sizeof(todo))
		return safefile_fail(ENAMETOOLONG, err, errlen, "%s",
		    strerror(ENAMETOOLONG));
	memcpy(todo, path, (size_t)(base - path));
	todo[base - path] = '\0';
	w.fd = -1;
	if (safefile_root(&w, err, errlen) == -1)
		goto fail;
	for (rest = todo; *(rest += strspn(rest, "/")) != '\0';) {
		c = rest;
		rest += strcspn(rest, "/");
		if (*rest != '\0')
			*rest++ = '\0';
		if (strcmp(c, ".") == 0)
			continue;
		if (safefile_step(&w, c, todo, &rest, how, &links, err,
			errlen) == -1)
			goto fail;
	}
	*name = base;
	return w.fd;
fail:
	safefile_close(w.fd);
	return -1;
}

/* The rule for the file itself (see above); err says what is wrong. */
static int
safefile_check_file(const struct stat *st, char *err, size_t errlen)
{
	/* Only root makes device nodes: /dev/null or a console will do. */
	if (!S_ISREG(st->st_mode) && !(S_ISCHR(st->st_mode) && st->st_uid == 0))
		return safefile_fail(EPERM, err, errlen, "not a regular file");
	if (st->st_nlink != 1)
		return safefile_fail(EPERM, err, errlen, "has %lu hard links",
		    (unsigned long)st->st_nlink);
	if (trust_strict() && !trust_owner(st->st_uid, safefile_uid))
		return safefile_fail(EPERM, err, errlen,
		    "owned by uid %lu "
		    "(not root or the daemon's user)",
		    (unsigned long)st->st_uid);
	return 0;
}

/*
 * openat(), creating the file only if it does not exist: with
 * fs.protected_regular (systemd's default), O_CREAT on an existing file
 * of another user in a sticky directory fails even for root, so a log or
 * pidfile given to `user' in /tmp could not be opened at the next start.
 */
static int
safefile_create(int dirfd, const char *name, int flags, mode_t mode)
{
	int fd, i;

	for (i = 0; i < 4; i++) {
		fd = openat(dirfd, name, flags & ~O_CREAT);
		if (fd != -1 || errno != ENOENT || !(flags & O_CREAT))
			return fd;
		fd = openat(dirfd, name, flags | O_EXCL, mode);
		if (fd != -1 || errno != EEXIST)
			return fd;
	}
	return -1; /* EEXIST: it keeps coming and going */
}

/*
 * Open name in dirfd (from safefile_opendir) with flags (O_CREAT and an
 * access mode) and O_NOFOLLOW, O_NOCTTY, O_NONBLOCK and O_CLOEXEC: never
 * through a symlink, never blocking on a FIFO.  It must pass the file
 * rule; running as root with a `user', it is given to that user.  Returns
 * the descriptor, or -1 with errno and a reason in err.
 */
int
safefile_openat(int dirfd, const char *name, int flags, mode_t mode, char *err,
    size_t errlen)
{
	struct stat st;
	int fd;

	fd = safefile_create(dirfd, name,
	    flags | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC, mode);
	if (fd == -1 && errno == ELOOP)
		return safefile_fail(EPERM, err, errlen,
		    "a symbolic link, not followed");
	if (fd == -1)
		return safefile_fail(errno, err, errlen, "%s", strerror(errno));
	if (fstat(fd, &st) == -1) {
		safefile_fail(errno, err, errlen, "%s", strerror(errno));
		goto fail;
	}
	if (safefile_check_file(&st, err, errlen) == -1)
		goto fail;
	if (trust_strict() && safefile_uid != (uid_t)-1 &&
	    S_ISREG(st.st_mode) &&
	    (st.st_uid != safefile_uid || st.st_gid != safefile_gid) &&
	    fchown(fd, safefile_uid, safefile_gid) == -1) {
		safefile_fail(errno, err, errlen, "chown: %s", strerror(errno));
		goto fail;
	}
	/* Checked: now a device (the console) must not drop log lines. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1) {
		safefile_fail(errno, err, errlen, "%s", strerror(errno));
		goto fail;
	}
	return fd;
fail:
	safefile_close(fd);
	return -1;
}

/*
 * Will the daemon's user be able to remove, from dirfd, a file that owner
 * ((uid_t)-1: that user) owns, once the master has switched to it?
 * Asked only when running as root with a `user'; 0 if so or not asked.
 */
int
safefile_removable(int dirfd, uid_t owner, char *err, size_t errlen)
{
	struct stat st;
	mode_t wx = S_IWOTH | S_IXOTH;

	if (!trust_strict() || safefile_uid == (uid_t)-1)
		return 0;
	if (owner == (uid_t)-1)
		owner = safefile_uid;
	if (fstat(dirfd, &st) == -1)
		return safefile_fail(errno, err, errlen, "%s", strerror(errno));
	if (st.st_uid == safefile_uid &&
	    (st.st_mode & (S_IWUSR | S_IXUSR)) == (S_IWUSR | S_IXUSR))
		return 0;
	if ((st.st_mode & S_ISVTX) && (st.st_mode & wx) == wx &&
	    owner == safefile_uid)
		return 0;
	return safefile_fail(EPERM, err, errlen,
	    "the daemon's user (uid %lu) "
	    "could not remove it at shutdown: its directory belongs to uid "
	    "%lu, mode %04o (let sockservd create the directory, or give it "
	    "to that user)",
	    (unsigned long)safefile_uid, (unsigned long)st.st_uid,
	    (unsigned)(st.st_mode & 07777));
}

/*
 * safefile_opendir, [safefile_removable when how has SAFEFILE_REMOVE],
 * safefile_openat.  *dirfd gets the directory's descriptor, kept for
 * safefile_openat again (reopening) and safefile_unlinkat.
 */
int
safefile_open(const char *path, int how, int flags, mode_t mode, int *dirfd,
    char *err, size_t errlen)
{
	const char *name;
	int dfd, fd;

	if ((dfd = safefile_opendir(path, how, &name, err, errlen)) == -1)
		return -1;
	if ((how & SAFEFILE_REMOVE) &&
	    safefile_removable(dfd, (uid_t)-1, err, errlen) == -1)
		fd = -1;
	else
		fd = safefile_openat(dfd, name, flags, mode, err, errlen);
	if (fd == -1) {
		safefile_close(dfd);
		return -1;
	}
	*dirfd = dfd;
	return fd;
}

/*
 * Give name in dirfd, still the socket dev/ino (bound there, and so kept
 * from being freed and its number reused), the owner and mode, through a
 * descriptor of that very inode; uid or gid (uid_t)-1: the daemon's
 * user's, or unchanged without one.  A file put in its place (a symlink,
 * say) is refused and left as it is.
 */
int
safefile_chattr(int dirfd, const char *name, dev_t dev, ino_t ino, uid_t uid,
    gid_t gid, mode_t mode, char *err, size_t errlen)
{
	char proc[64];
	struct stat st;
	int fd, rv = -1;

	if (uid == (uid_t)-1)
		uid = safefile_uid;
	if (gid == (gid_t)-1)
		gid = safefile_gid;
	if ((fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return safefile_fail(errno, err, errlen, "%s", strerror(errno));
	/* An O_PATH descriptor: chmod(2) reaches its inode through /proc. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (fstat(fd, &st) == -1)
		safefile_fail(errno, err, errlen, "%s", strerror(errno));
	else if (!S_ISSOCK(st.st_mode) || st.st_dev != dev ||
	    st.st_ino != ino || st.st_nlink != 1)
		safefile_fail(EPERM, err, errlen,
		    "no longer the socket bound "
		    "there (replaced); left as it is");
	else if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    fchownat(fd, "", uid, gid, AT_EMPTY_PATH) == -1)
		safefile_fail(errno, err, errlen, "chown: %s", strerror(errno));
	else if (chmod(proc, mode) == -1)
		safefile_fail(errno, err, errlen, "chmod: %s", strerror(errno));
	else
		rv = 0;
	safefile_close(fd);
	return rv;
}

/*
 * Remove name from dirfd if it still is the file dev/ino (held open or
 * bound by the caller, so that its number is not reused), never another
 * put in its place.  (Whoever could swap it between the check and the
 * unlink can write the directory, and so remove the file anyway; in a
 * sticky directory nobody can replace a file they do not own.)  0 if
 * removed or already gone.
 */
int
safefile_unlinkat(int dirfd, const char *name, dev_t dev, ino_t ino)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -1;
	if (st.st_dev != dev || st.st_ino != ino)
		return 0;
	if (unlinkat(dirfd, name, 0) == -1 && errno != ENOENT)
		return -1;
	return 0;
}
