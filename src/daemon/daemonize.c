/*
 * daemonize.c -- becoming a daemon, telling the launcher how it went, and
 * the pidfile.
 *
 * It owns what the daemon inherits from whoever started it, the readiness
 * pipe and the pidfile.  Every descriptor but stdin, stdout and stderr is
 * closed first thing (daemonize_close_inherited), in the foreground too.
 * daemonize_start() detaches the classic way (fork, setsid, fork, chdir /,
 * umask 022), but the process that ran `sockservd' does not exit at once:
 * it waits on a pipe until the daemon says it is bound and serving
 * (daemonize_ready) or that it failed (daemonize_fail), and exits 0 or
 * with the daemon's status.  Its stdin and stdout are /dev/null at once;
 * its stderr stays the launcher's, so that start-up errors are printed
 * where the administrator is looking, until just before the master forks
 * its first worker (daemonize_release): a process that held it would keep
 * `sockservd | cat' or `$(sockservd)' waiting for an EOF.  What a failure
 * after that still has to say travels with the status through the pipe
 * (daemonize_note).  A daemon that dies before reporting closes the pipe,
 * and the launcher reports that instead.
 *
 * The pidfile is locked with a POSIX record lock held by the master
 * alone (children inherit the descriptor, never the lock), so a stale
 * file left by a crash is simply taken over, and a second instance
 * started on the same pidfile refuses with the running one's pid.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockservd.h"

#define DAEMONIZE_NOTE_MAX 1024 /* < PIPE_BUF: one write, one read */

static int ready_fd = -1;		   /* daemon: write end of the pipe */
static bool stderr_released;		   /* the launcher's stderr let go */
static char fail_note[DAEMONIZE_NOTE_MAX]; /* sent with a failure */
static int pidfile_fd = -1;
static int pidfile_dirfd = -1; /* its directory (safefile.c) */
static char *pidfile_path;
static pid_t pidfile_pid; /* the master: only it removes it */

/* Launcher: wait for the daemon's verdict and exit with it. */
static __attribute__((noreturn)) void
daemonize_wait(int rfd, pid_t child)
{
	unsigned char buf[1 + DAEMONIZE_NOTE_MAX];
	ssize_t n;

	/* The status, then what the daemon could no longer print itself. */
	do
		n = read(rfd, buf, sizeof(buf));
	while (n == -1 && errno == EINTR);
	/* The intermediate process exits at once; do not leave it a zombie. */
	while (waitpid(child, NULL, 0) == -1 && errno == EINTR)
		;
	if (n > 1)
		(void)!write(STDERR_FILENO, buf + 1, (size_t)n - 1);
	if (n >= 1)
		_exit(buf[0]);
	fprintf(stderr, "sockservd: the daemon exited before it was ready\n");
	_exit(EXIT_OSERR);
}

/* Point fd at /dev/null. */
static int
daemonize_devnull(int fd, int flags)
{
	int null;

	if ((null = open("/dev/null", flags | O_CLOEXEC)) == -1)
		return -1;
	if (null != fd && dup2(null, fd) == -1) {
		close(null);
		return -1;
	}
	if (null != fd)
		close(null);
	return 0;
}

/* Without close_range(2) (Linux < 5.9): what /proc/self/fd lists. */
static int
daemonize_close_listed(int first)
{
	struct dirent *de;
	DIR *d;
	int fd, closed, pass;

	/* Closing while reading the directory may skip entries: re-read. */
	for (pass = 0; pass < 16; pass++) {
		if ((d = opendir("/proc/self/fd")) == NULL)
			return -1;
		closed = 0;
		while ((de = readdir(d)) != NULL) {
			fd = atoi(de->d_name);
			if (de->d_name[0] < '0' || de->d_name[0] > '9' ||
			    fd < first || fd == dirfd(d))
				continue;
			(void)close(fd);
			closed++;
		}
		closedir(d);
		if (closed == 0)
			return 0;
	}
	errno = EMFILE;
	return -1;
}

/*
 * Close every descriptor inherited from whoever started the daemon but
 * stdin, stdout and stderr, and the nlisten sockets of socket activation
 * that follow them (systemd_listen_fds, listener_adopt): module code must
 * not find (and use) one.  This is the one place that decides what the
 * daemon inherits.  Returns 0, or -1 with errno set.
 */
int
daemonize_close_inherited(int nlisten)
{
	unsigned int first = SYSTEMD_LISTEN_START + (unsigned int)nlisten;

	if (close_range(first, ~0U, 0) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
	return daemonize_close_listed((int)first);
}

/*
 * Detach from the terminal and the launching process.  Returns 0 in the
 * daemon; the launcher never returns (it exits with the daemon's status).
 * Returns -1 with errno set if detaching itself failed.
 */
int
daemonize_start(void)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	fflush(NULL);
	if ((pid = fork()) == -1)
		return -1;
	if (pid > 0) {
		close(p[1]);
		daemonize_wait(p[0], pid);
	}
	close(p[0]);
	if (setsid() == -1)
		_exit(EXIT_OSERR);
	/* Not a session leader: can never reacquire a controlling tty. */
	if ((pid = fork()) == -1)
		_exit(EXIT_OSERR);
	if (pid > 0)
		_exit(0);
	ready_fd = p[1];
	if (chdir("/") == -1)
		return -1;
	umask(022);
	if (daemonize_devnull(STDIN_FILENO, O_RDONLY) == -1 ||
	    daemonize_devnull(STDOUT_FILENO, O_WRONLY) == -1)
		return -1;
	return 0;
}

/* The status and the note in one write: the launcher reads them at once. */
static void
daemonize_report(unsigned char status, const char *note)
{
	char buf[1 + DAEMONIZE_NOTE_MAX];
	size_t len;
	ssize_t n;

	if (ready_fd == -1)
		return;
	buf[0] = (char)status;
	len = strlen(note);
	memcpy(buf + 1, note, len);
	do
		n = write(ready_fd, buf, 1 + len);
	while (n == -1 && errno == EINTR);
	close(ready_fd);
	ready_fd = -1;
}

/*
 * Before the master forks its first process: point stderr at /dev/null,
 * so that no process of a detached daemon ever holds the launcher's.  A
 * no-op in the foreground.  Returns 0, or -1 with errno set.
 */
int
daemonize_release(void)
{
	if (ready_fd == -1 || stderr_released)
		return 0;
	if (daemonize_devnull(STDERR_FILENO, O_WRONLY) == -1)
		return -1;
	stderr_released = true;
	return 0;
}

/*
 * Tell whoever started the daemon a line (given without its newline): on
 * stderr while that is still theirs (or in the foreground), else with
 * the status of a failed start-up.
 */
void
daemonize_note(const char *fmt, ...)
{
	va_list ap;
	size_t n;

	n = (size_t)snprintf(fail_note, sizeof(fail_note), "sockservd: ");
	va_start(ap, fmt);
	vsnprintf(fail_note + n, sizeof(fail_note) - n - 1, fmt, ap);
	va_end(ap);
	n = strlen(fail_note);
	fail_note[n] = '\n';
	fail_note[n + 1] = '\0';
	if (!stderr_released) {
		fputs(fail_note, stderr);
		fail_note[0] = '\0';
	}
}

/*
 * The daemon is bound and serving: release the launcher with status 0.
 * A no-op in the foreground.
 */
void
daemonize_ready(void)
{
	daemonize_report(0, "");
}

/*
 * Start-up failed: the launcher exits with status, printing the note if
 * there is one (the other messages are already on its stderr).  A no-op
 * once ready or in the foreground.
 */
void
daemonize_fail(int status)
{
	daemonize_report(status == 0 ? EXIT_OSERR : (unsigned char)status,
	    fail_note);
}

/* The pid of whoever holds the lock on fd, or 0. */
static pid_t
pidfile_holder(int fd)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_GETLK, &fl) == -1 || fl.l_type == F_UNLCK)
		return 0;
	return fl.l_pid;
}

/* Lock the pidfile fd (path) and write our pid into it. */
static int
pidfile_lock(int fd, const char *path)
{
	struct flock fl;
	char buf[32];
	int n;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) == -1) {
		if (errno == EACCES || errno == EAGAIN) {
			log_warnx("pidfile %s: already running (pid %ld)", path,
			    (long)pidfile_holder(fd));
			errno = EAGAIN;
		} else
			log_warn("pidfile %s: lock", path);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)n, 0) != n) {
		log_warn("pidfile %s: write", path);
		return -1;
	}
	return 0;
}

/*
 * Create (or take over) and lock the pidfile, then write our pid.  It is
 * opened by the rules of safefile.c: missing directories are created,
 * the last one given to the daemon's user, who must be able to remove
 * the file at exit.  Returns 0; -1 with errno set and the cause logged,
 * EAGAIN meaning another instance holds it, EPERM a refused location.
 */
int
daemonize_pidfile_open(const char *path)
{
	char err[SAFEFILE_ERRLEN];
	int fd, dirfd, saved;

	fd = safefile_open(path, SAFEFILE_MKDIR | SAFEFILE_REMOVE,
	    O_RDWR | O_CREAT, 0644, &dirfd, err, sizeof(err));
	if (fd == -1) {
		log_warnx("pidfile %s: %s", path, err);
		return -1;
	}
	if (pidfile_lock(fd, path) == -1)
		goto fail;
	if ((pidfile_path = strdup(path)) == NULL) {
		log_warn("pidfile %s", path);
		goto fail;
	}
	pidfile_fd = fd;
	pidfile_dirfd = dirfd;
	pidfile_pid = getpid();
	return 0;
fail:
	saved = errno;
	close(fd);
	close(dirfd);
	errno = saved;
	return -1;
}

/*
 * Remove the pidfile, from the master only, while it still holds the
 * lock, and only if the name still is that file.  Safe to call more than
 * once.
 */
void
daemonize_pidfile_remove(void)
{
	struct stat st;

	if (pidfile_fd == -1 || getpid() != pidfile_pid)
		return;
	if (fstat(pidfile_fd, &st) == -1 ||
	    safefile_unlinkat(pidfile_dirfd, strrchr(pidfile_path, '/') + 1,
		st.st_dev, st.st_ino) == -1)
		log_warn("pidfile %s: remove", pidfile_path);
	close(pidfile_fd);
	close(pidfile_dirfd);
	pidfile_fd = -1;
	pidfile_dirfd = -1;
	free(pidfile_path);
	pidfile_path = NULL;
}

/*
 * In a forked child: add to what run closes the master's pidfile
 * descriptors (the file stays) and its end of the readiness pipe, so that
 * a master dying before it is ready still gives its launcher EOF.
 * Closed, not reset: a child writing a variable costs it a fault.
 */
void
daemonize_child(struct os_fdrun *run)
{
	os_fdrun_add(run, ready_fd);
	os_fdrun_add(run, pidfile_fd);
	os_fdrun_add(run, pidfile_dirfd);
}
