/*
 * check_common.c -- helpers shared by the Check unit tests.
 *
 * Owns the test-side plumbing: clocks and deadline polling (tests never
 * rely on a sleep being long enough, they poll a condition with a bound),
 * temporary directories, descriptor counting for leak checks, bounded
 * reads from sockets, and small helper children.  See check_common.h.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check_common.h"

double
cc_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		ck_abort_msg("clock_gettime: %s", strerror(errno));
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void
cc_sleep_ms(int ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

bool
cc_poll_until(bool (*pred)(void *), void *arg, int timeout_ms)
{
	double deadline = cc_now() + timeout_ms / 1000.0;

	for (;;) {
		if (pred(arg))
			return true;
		if (cc_now() >= deadline)
			return pred(arg);
		cc_sleep_ms(5);
	}
}

static bool
counter_reached(void *arg)
{
	const int **p = arg;

	return __atomic_load_n(p[0], __ATOMIC_SEQ_CST) >= *p[1];
}

bool
cc_wait_counter(const int *counter, int want, int timeout_ms)
{
	const int *args[2] = {counter, &want};

	return cc_poll_until(counter_reached, args, timeout_ms);
}

void
cc_tmpdir(char *buf, size_t len)
{
	const char *base = getenv("TMPDIR");
	int n;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	/* Fall back to /tmp when $TMPDIR is too long for the caller. */
	n = snprintf(buf, len, "%s/cktest.XXXXXX", base);
	if (n < 0 || (size_t)n >= len)
		n = snprintf(buf, len, "/tmp/cktest.XXXXXX");
	if (n < 0 || (size_t)n >= len)
		ck_abort_msg("temporary directory name too long");
	if (mkdtemp(buf) == NULL)
		ck_abort_msg("mkdtemp %s: %s", buf, strerror(errno));
}

void
cc_tmpdir_remove(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		(void)unlink(path);
	}
	closedir(d);
	(void)rmdir(dir);
}

int
cc_count_fds(void)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		ck_abort_msg("opendir /proc/self/fd: %s", strerror(errno));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}

bool
cc_fd_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

int
cc_wait_readable(int fd, int timeout_ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	double deadline = cc_now() + timeout_ms / 1000.0;
	int left, rc;

	for (;;) {
		left = (int)((deadline - cc_now()) * 1000);
		if (left < 0)
			left = 0;
		rc = poll(&pfd, 1, left);
		if (rc > 0)
			return 1;
		if (rc == 0)
			return 0;
		if (errno != EINTR)
			ck_abort_msg("poll: %s", strerror(errno));
	}
}

ssize_t
cc_read_line(int fd, char *buf, size_t len, int timeout_ms)
{
	double deadline = cc_now() + timeout_ms / 1000.0;
	size_t got = 0;
	ssize_t n;
	int left;

	while (got + 1 < len) {
		left = (int)((deadline - cc_now()) * 1000);
		if (left <= 0 || !cc_wait_readable(fd, left)) {
			buf[got] = '\0';
			errno = ETIMEDOUT;
			return -1;
		}
		n = read(fd, buf + got, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		if (buf[got++] == '\n')
			break;
	}
	buf[got] = '\0';
	return (ssize_t)got;
}

void
cc_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			ck_abort_msg("write: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

int
cc_connect(const struct sockaddr *sa, socklen_t salen, int socktype)
{
	int fd, saved;

	fd = socket(sa->sa_family, socktype | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, sa, salen) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

void *
cc_shared_alloc(size_t len)
{
	void *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		ck_abort_msg("mmap: %s", strerror(errno));
	return p;
}

void
cc_shared_free(void *p, size_t len)
{
	(void)munmap(p, len);
}

pid_t
cc_fork_exit(int code)
{
	pid_t pid;

	if ((pid = fork()) == -1)
		ck_abort_msg("fork: %s", strerror(errno));
	if (pid == 0)
		_exit(code);
	return pid;
}

int
cc_waitpid_deadline(pid_t pid, int timeout_ms)
{
	double deadline = cc_now() + timeout_ms / 1000.0;
	pid_t r;
	int status;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r == -1 && errno != EINTR)
			ck_abort_msg("waitpid %ld: %s", (long)pid,
			    strerror(errno));
		if (cc_now() >= deadline)
			ck_abort_msg("child %ld still running after %d ms",
			    (long)pid, timeout_ms);
		cc_sleep_ms(5);
	}
}
