/*
 * check_safefile.c -- unit tests for safefile.c, the rule for files the
 * master opens, changes and removes by name.
 *
 * In a scratch directory: the walk refuses relative paths and, as root,
 * directories writable by another user, by others or by a group other
 * than root's, but accepts a sticky directory of root's (or, with a
 * `user', of that user's: trust.c's rule); it follows a
 * link of root's in a directory of root's (absolute or relative, with
 * `..') and refuses one of another user's; SAFEFILE_MKDIR creates what is
 * missing, the last level given to the daemon's user.  The file is never
 * opened through a symlink or as a hard link or a FIFO, but /dev/null is
 * fine; safefile_chattr
 * and safefile_unlinkat leave a file put in place of the one recorded
 * alone; safefile_removable says whether the daemon's user can remove a
 * file after the switch.  Each test runs in its own process (Check's
 * fork mode), so safefile_set_user does not leak.  The ownership rules
 * apply only as root; those tests say they skipped otherwise.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockservd.h"

#define OTHER_UID 12345 /* no one in particular */
#define OTHER_GID 12345

static char tmp[PATH_MAX];
static char err[SAFEFILE_ERRLEN];

static void
setup(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/check_safefile.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	ck_assert_int_eq(chmod(tmp, 0755), 0);
}

static void
teardown(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	ck_assert_int_eq(system(cmd), 0);
}

/* tmp/rel as a path. */
static const char *
at(const char *rel)
{
	static char buf[4][PATH_MAX];
	static int n;

	n = (n + 1) % 4;
	ck_assert_int_lt(snprintf(buf[n], sizeof(buf[n]), "%s/%s", tmp, rel),
	    (int)sizeof(buf[n]));
	return buf[n];
}

static bool
need_root(const char *test)
{
	if (geteuid() == 0)
		return true;
	fprintf(stderr, "%s: skipped (needs root)\n", test);
	return false;
}

static void
mkdir_as(const char *rel, mode_t mode, uid_t uid, gid_t gid)
{
	ck_assert_int_eq(mkdir(at(rel), 0700), 0);
	ck_assert_int_eq(chown(at(rel), uid, gid), 0);
	ck_assert_int_eq(chmod(at(rel), mode), 0);
}

/* safefile_opendir on tmp/rel: -1 and errno, or 0 with name checked. */
static int
walk(const char *rel, int how)
{
	const char *name;
	int fd;

	err[0] = '\0';
	if ((fd = safefile_opendir(at(rel), how, &name, err, sizeof(err))) ==
	    -1)
		return -1;
	ck_assert_str_eq(name, strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel);
	close(fd);
	return 0;
}

START_TEST(walk_plain)
{
	const char *name;

	ck_assert_int_eq(mkdir(at("d"), 0755), 0);
	ck_assert_int_eq(walk("d/f", 0), 0);
	ck_assert_int_eq(walk("./d//./f", 0), 0);
	ck_assert_int_eq(walk("missing/f", 0), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "/missing"));
	ck_assert_int_eq(safefile_opendir("rel/f", 0, &name, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(walk("d/", 0), -1);
	ck_assert_int_eq(walk("d/..", 0), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(walk_dir_rule)
{
	char want[PATH_MAX + 64];

	if (!need_root("walk_dir_rule"))
		return;
	mkdir_as("theirs", 0755, OTHER_UID, 0);
	mkdir_as("open", 0777, 0, 0);
	mkdir_as("group", 0775, 0, OTHER_GID);
	mkdir_as("rootgroup", 0775, 0, 0);
	mkdir_as("sticky", 01777, 0, 0);
	mkdir_as("theirsticky", 01777, OTHER_UID, 0);

	ck_assert_int_eq(walk("theirs/f", 0), -1);
	ck_assert_int_eq(errno, EPERM);
	snprintf(want, sizeof(want),
	    "directory %s is writable by uid %d "
	    "(not root or the daemon's user)",
	    at("theirs"), OTHER_UID);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(walk("open/f", 0), -1);
	ck_assert_ptr_nonnull(strstr(err, "is writable by others"));
	ck_assert_int_eq(walk("group/f", 0), -1);
	ck_assert_ptr_nonnull(strstr(err, "is writable by group 12345"));
	ck_assert_int_eq(walk("theirsticky/f", 0), -1);
	ck_assert_int_eq(walk("rootgroup/f", 0), 0);
	ck_assert_int_eq(walk("sticky/f", 0), 0);
	/* The daemon's user may own directories, sticky ones too (trust.c's
	 * rule, the one modules pass). */
	safefile_set_user(OTHER_UID, OTHER_GID);
	ck_assert_int_eq(walk("theirs/f", 0), 0);
	ck_assert_int_eq(walk("theirsticky/f", 0), 0);
}
END_TEST

START_TEST(walk_links)
{
	if (!need_root("walk_links"))
		return;
	ck_assert_int_eq(mkdir(at("real"), 0755), 0);
	ck_assert_int_eq(mkdir(at("real/sub"), 0755), 0);
	ck_assert_int_eq(symlink(at("real"), at("abs")), 0);
	ck_assert_int_eq(symlink("real/sub/..", at("rel")), 0);
	ck_assert_int_eq(symlink("../../real", at("real/sub/up")), 0);
	ck_assert_int_eq(walk("abs/f", 0), 0);
	ck_assert_int_eq(walk("rel/sub/f", 0), 0);
	ck_assert_int_eq(walk("real/sub/up/sub/f", 0), 0);
	ck_assert_int_eq(symlink("loop", at("loop")), 0);
	ck_assert_int_eq(walk("loop/f", 0), -1);
	ck_assert_int_eq(errno, ELOOP);

	/* Another user's link, or a link in a directory of another's. */
	ck_assert_int_eq(lchown(at("abs"), OTHER_UID, OTHER_GID), 0);
	ck_assert_int_eq(walk("abs/f", 0), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_ptr_nonnull(strstr(err, "abs is a symbolic link"));
	safefile_set_user(OTHER_UID, OTHER_GID);
	mkdir_as("users", 0755, OTHER_UID, OTHER_GID);
	ck_assert_int_eq(symlink(at("real"), at("users/link")), 0);
	ck_assert_int_eq(walk("users/link/f", 0), -1);
	ck_assert_ptr_nonnull(strstr(err, "users/link is a symbolic link"));
}
END_TEST

START_TEST(walk_mkdir)
{
	struct stat st;
	uid_t uid = geteuid() == 0 ? OTHER_UID : geteuid();
	gid_t gid = geteuid() == 0 ? OTHER_GID : getegid();

	safefile_set_user(uid, gid);
	umask(0);
	ck_assert_int_eq(walk("a/b/f", SAFEFILE_MKDIR), 0);
	ck_assert_int_eq(stat(at("a"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0755);
	ck_assert_uint_eq(st.st_uid, geteuid());
	ck_assert_int_eq(stat(at("a/b"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0755);
	ck_assert_uint_eq(st.st_uid, uid);
	ck_assert_uint_eq(st.st_gid, gid);
	/* Existing: left as it is. */
	ck_assert_int_eq(chmod(at("a/b"), 0700), 0);
	ck_assert_int_eq(walk("a/b/f", SAFEFILE_MKDIR), 0);
	ck_assert_int_eq(stat(at("a/b"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
}
END_TEST

/* safefile_openat of tmp/rel for appending. */
static int
open_file(const char *rel)
{
	const char *name;
	int dirfd, fd;

	dirfd = safefile_opendir(at(rel), 0, &name, err, sizeof(err));
	ck_assert_int_ne(dirfd, -1);
	fd = safefile_openat(dirfd, name, O_WRONLY | O_APPEND | O_CREAT, 0640,
	    err, sizeof(err));
	close(dirfd);
	return fd;
}

START_TEST(open_rule)
{
	int fd;

	ck_assert_int_eq(close(creat(at("target"), 0600)), 0);
	ck_assert_int_eq(symlink(at("target"), at("sym")), 0);
	ck_assert_int_eq(symlink(at("nothing"), at("dangling")), 0);
	ck_assert_int_eq(link(at("target"), at("hard")), 0);
	ck_assert_int_eq(mkfifo(at("fifo"), 0600), 0);

	ck_assert_int_eq(open_file("sym"), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_str_eq(err, "a symbolic link, not followed");
	ck_assert_int_eq(open_file("dangling"), -1);
	ck_assert_int_eq(access(at("nothing"), F_OK), -1);
	ck_assert_int_eq(open_file("hard"), -1);
	ck_assert_str_eq(err, "has 2 hard links");
	ck_assert_int_eq(open_file("fifo"), -1); /* and did not block */
	ck_assert_int_eq(mkdir(at("dir"), 0755), 0);
	ck_assert_int_eq(open_file("dir"), -1);
	fd = open_file("new");
	ck_assert_int_ne(fd, -1);
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	close(fd);
}
END_TEST

/* A device of root's such as /dev/null is accepted, and left as it is. */
START_TEST(open_devnull)
{
	struct stat st;
	int fd, dirfd;

	safefile_set_user(geteuid() == 0 ? OTHER_UID : geteuid(), getegid());
	fd = safefile_open("/dev/null", 0, O_WRONLY | O_APPEND | O_CREAT, 0640,
	    &dirfd, err, sizeof(err));
	ck_assert_msg(fd != -1, "%s", err);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq(st.st_uid, 0);
	close(fd);
	close(dirfd);
}
END_TEST

START_TEST(open_owner)
{
	struct stat st;
	int fd;

	if (!need_root("open_owner"))
		return;
	ck_assert_int_eq(close(creat(at("theirs"), 0600)), 0);
	ck_assert_int_eq(chown(at("theirs"), OTHER_UID + 1, 0), 0);
	ck_assert_int_eq(open_file("theirs"), -1);
	ck_assert_ptr_nonnull(strstr(err, "owned by uid 12346"));
	/* Created or root's: given to the daemon's user. */
	safefile_set_user(OTHER_UID, OTHER_GID);
	fd = open_file("log");
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq(st.st_uid, OTHER_UID);
	ck_assert_uint_eq(st.st_gid, OTHER_GID);
	close(fd);
}
END_TEST

/* A Unix socket bound at tmp/rel, as a listener holds it. */
static int
bind_at(const char *rel)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_int_lt(snprintf(sun.sun_path, sizeof(sun.sun_path), "%s",
			     at(rel)),
	    (int)sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

START_TEST(chattr_unlink_same_inode)
{
	struct stat st;
	const char *name;
	int dirfd, sock;

	sock = bind_at("sock");
	ck_assert_int_eq(close(creat(at("victim"), 0600)), 0);
	ck_assert_int_eq(stat(at("sock"), &st), 0);
	dirfd = safefile_opendir(at("sock"), 0, &name, err, sizeof(err));
	ck_assert_int_ne(dirfd, -1);
	ck_assert_int_eq(safefile_chattr(dirfd, name, st.st_dev, st.st_ino,
			     (uid_t)-1, (gid_t)-1, 0640, err, sizeof(err)),
	    0);
	ck_assert_int_eq(safefile_unlinkat(dirfd, "gone", 0, 0), 0);

	/* Replaced by a symlink: neither changed nor removed. */
	ck_assert_int_eq(unlink(at("sock")), 0);
	ck_assert_int_eq(symlink(at("victim"), at("sock")), 0);
	ck_assert_int_eq(safefile_chattr(dirfd, name, st.st_dev, st.st_ino,
			     (uid_t)-1, (gid_t)-1, 0666, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(safefile_unlinkat(dirfd, name, st.st_dev, st.st_ino),
	    0);
	ck_assert_int_eq(lstat(at("sock"), &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_int_eq(stat(at("victim"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);

	/* The very file: removed. */
	ck_assert_int_eq(safefile_unlinkat(dirfd, "victim", st.st_dev,
			     st.st_ino),
	    0);
	ck_assert_int_eq(access(at("victim"), F_OK), -1);
	close(dirfd);
	close(sock);
}
END_TEST

/* safefile_removable for a file of owner in tmp/rel. */
static int
removable(const char *rel, uid_t owner)
{
	const char *name;
	int dirfd, rv;

	dirfd = safefile_opendir(at(rel), 0, &name, err, sizeof(err));
	ck_assert_int_ne(dirfd, -1);
	rv = safefile_removable(dirfd, owner, err, sizeof(err));
	close(dirfd);
	return rv;
}

START_TEST(removable_rule)
{
	if (!need_root("removable_rule"))
		return;
	mkdir_as("roots", 0755, 0, 0);
	mkdir_as("users", 0755, OTHER_UID, OTHER_GID);
	mkdir_as("userro", 0555, OTHER_UID, OTHER_GID);
	mkdir_as("sticky", 01777, 0, 0);
	/* Without a `user', nothing to ask. */
	ck_assert_int_eq(removable("roots/f", 0), 0);
	safefile_set_user(OTHER_UID, OTHER_GID);
	ck_assert_int_eq(removable("roots/f", (uid_t)-1), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_ptr_nonnull(strstr(err, "could not remove it at shutdown"));
	ck_assert_int_eq(removable("users/f", 0), 0);
	ck_assert_int_eq(removable("userro/f", (uid_t)-1), -1);
	ck_assert_int_eq(removable("sticky/f", (uid_t)-1), 0);
	ck_assert_int_eq(removable("sticky/f", 0), -1);
}
END_TEST

static Suite *
safefile_suite(void)
{
	Suite *s = suite_create("safefile");
	TCase *tc = tcase_create("safefile");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, walk_plain);
	tcase_add_test(tc, walk_dir_rule);
	tcase_add_test(tc, walk_links);
	tcase_add_test(tc, walk_mkdir);
	tcase_add_test(tc, open_rule);
	tcase_add_test(tc, open_devnull);
	tcase_add_test(tc, open_owner);
	tcase_add_test(tc, chattr_unlink_same_inode);
	tcase_add_test(tc, removable_rule);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(safefile_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
