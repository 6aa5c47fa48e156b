/*
 * trust.c -- who may have written a file the daemon trusts: StrictModes
 * for the files it loads, and the same rule for the directories of the
 * files it writes.
 *
 * A daemon started as root that loads code (modules) or configuration
 * from a file another user can write has handed that user root; one that
 * opens, chowns or removes a file by name in a directory another user can
 * write can be steered onto another file.  This file owns the one rule
 * for both (trust_check_stat): owned by root or by the daemon's user
 * (for loaded files, the effective user: root), and writable by nobody
 * else -- not by other users, not by a group other than root's unless the
 * caller accepts it.  A sticky directory such as /tmp is acceptable:
 * nobody else can replace a file there that they do not own.  Like sshd's
 * StrictModes, a module or configuration file and the directory holding
 * it must pass it (trust_check_file); safefile.c applies it to every
 * directory it walks.  The checks work on what was opened (fstat), so
 * what is checked is what is read.  Callers decide when to apply them
 * (trust_strict()); nothing here logs: a refusal is described in the
 * caller's buffer, naming the file and why.
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

/* May a file or directory of the daemon's belong to uid? */
bool
trust_owner(uid_t uid, uid_t user)
{
	return uid == 0 || (user != (uid_t)-1 && uid == user);
}

/*
 * The rule for st, a file or a directory called `what' in messages
 * ("directory /run"): owned by root or user ((uid_t)-1: no other), and
 * writable by nobody else -- not by others, not by a group other than
 * root's unless group_ok.  In a sticky directory (/tmp) nobody can rename
 * or remove an entry they do not own, so its write bits are not held
 * against it.  0, or -1 with errno EPERM and "WHAT is ..." in err.
 */
int
trust_check_stat(const struct stat *st, const char *what, uid_t user,
    bool group_ok, char *err, size_t errlen)
{
	if (!trust_owner(st->st_uid, user))
		snprintf(err, errlen, "%s is %s by uid %lu (not root%s)", what,
		    S_ISDIR(st->st_mode) ? "writable" : "owned",
		    (unsigned long)st->st_uid,
		    user == 0 ? "" : " or the daemon's user");
	else if (S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX))
		return 0;
	else if (st->st_mode & S_IWOTH)
		snprintf(err, errlen, "%s is writable by others", what);
	else if ((st->st_mode & S_IWGRP) && !group_ok && st->st_gid != 0)
		snprintf(err, errlen, "%s is writable by group %lu", what,
		    (unsigned long)st->st_gid);
	else
		return 0;
	errno = EPERM;
	return -1;
}

/*
 * Check the open file fd (read from path) and the directory that holds
 * it.  Returns 0 if trusted, else -1 with errno set and a one-line reason
 * in err naming path.  A group-writable file is allowed when group_ok, or
 * when the group is root's.
 */
int
trust_check_file(int fd, const char *path, bool group_ok, char *err,
    size_t errlen)
{
	struct stat st;
	char dir[PATH_MAX], what[2 * PATH_MAX + 16];
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
	if (trust_check_stat(&st, path, geteuid(), group_ok, err, errlen) == -1)
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
	snprintf(what, sizeof(what), "%s: directory %s", path, dir);
	return trust_check_stat(&st, what, geteuid(), group_ok, err, errlen);
}
