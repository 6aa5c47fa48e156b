/*
 * trust.c -- StrictModes: may the daemon trust a file it is about to load?
 *
 * A daemon started as root that loads code (modules) or configuration
 * from a file another user can write has handed that user root.  Like
 * sshd's StrictModes, this file owns the rule: when running as root, a
 * module or configuration file must be a regular file owned by root (or
 * by the effective user), and neither it nor the directory holding it may
 * be writable by anyone else -- not by other users, and not by the group
 * unless the caller says a group-writable file is acceptable.  A sticky
 * directory such as /tmp is acceptable: nobody else can replace a file
 * there that they do not own.  The checks
 * work on an open descriptor (fstat), so what is checked is what is read.
 * Callers decide when to apply them (trust_strict()); nothing here logs:
 * a refusal is described in the caller's buffer, naming the file and why.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sockservd.h"

/* Apply the checks?  Only a process running as root can be subverted. */
bool
trust_strict(void)
{
	return geteuid() == 0;
}

/* One stat result against the rule; what names it in the message. */
static int
trust_check_stat(const struct stat *st, const char *what, const char *path,
    bool group_ok, char *err, size_t errlen)
{
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		snprintf(err, errlen, "%s: %s%sowned by uid %lu, not root",
		    path, what, *what ? " " : "", (unsigned long)st->st_uid);
		errno = EPERM;
		return -1;
	}
	if (st->st_mode & S_IWOTH) {
		snprintf(err, errlen, "%s: %s%swritable by others", path, what,
		    *what ? " " : "");
		errno = EPERM;
		return -1;
	}
	if ((st->st_mode & S_IWGRP) && !group_ok && st->st_gid != 0) {
		snprintf(err, errlen, "%s: %s%swritable by group %lu", path,
		    what, *what ? " " : "", (unsigned long)st->st_gid);
		errno = EPERM;
		return -1;
	}
	return 0;
}

/*
 * Check the open file fd (read from path) and the directory that holds
 * it.  Returns 0 if trusted, else -1 with errno set and a one-line reason
 * in err naming path.  A group-writable file is allowed when group_ok, or
 * when the group is root's.
 */
int
trust_check_file(
    int fd, const char *path, bool group_ok, char *err, size_t errlen)
{
	struct stat st;
	char dir[PATH_MAX], what[PATH_MAX + 16];
	const char *slash;
	size_t n;

	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		errno = EINVAL;
		return -1;
	}
	if (trust_check_stat(&st, "", path, group_ok, err, errlen) == -1)
		return -1;

	/* The directory: whoever can write it can replace the file. */
	if ((slash = strrchr(path, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir)) {
			snprintf(err, errlen, "%s: path too long", path);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	if (stat(dir, &st) == -1) {
		snprintf(err, errlen, "%s: directory %s: %s", path, dir,
		    strerror(errno));
		return -1;
	}
	/*
	 * In a sticky directory (/tmp) only a file's owner can rename or
	 * remove it, and the file was just found to be owned by root or us.
	 */
	if (st.st_mode & S_ISVTX)
		st.st_mode &= ~(mode_t)(S_IWGRP | S_IWOTH);
	snprintf(what, sizeof(what), "directory %s", dir);
	if (trust_check_stat(&st, what, path, group_ok, err, errlen) == -1)
		return -1;
	return 0;
}
