/*
 * log.c -- the daemon's logger, in the err(3) family of OpenBSD's daemons.
 *
 * It owns where log lines go and which are dropped.  Until log_open() every
 * line goes to stderr, as a bare message, so that `sockservd -t' prints
 * exactly `FILE:LINE: message'.  After log_open() lines go to syslog
 * (LOG_DAEMON, ident "sockservd", LOG_PID), to stderr, or to a file opened
 * O_APPEND, one line per write(2) with a timestamp and the writer's pid.
 *
 * Every line is formatted into a buffer on the stack and written with one
 * call, so forked children and threads can share the target without
 * interleaving partial lines and without a lock.  A message below the
 * level is dropped before any formatting.  Every function preserves errno.
 * The state is set by the main thread before children or threads exist;
 * afterwards it is only read, except by log_reopen(), which swaps the
 * file descriptor in place with dup3() so concurrent writers never see a
 * closed descriptor.  Every process writes the file through a descriptor
 * of its own, so the master's reopen also bumps a count in memory shared
 * with all of them, and each reopens the file before its next line once
 * the count moved (log_follow): no signal to forward, and a worker busy
 * for hours follows as soon as it logs.
 *
 * When stderr is journald's stream (JOURNAL_STREAM names its device and
 * inode, as systemd sets it for a service), each line to stderr starts
 * with its syslog priority, `<3>' for an error (sd-daemon(3)), so the
 * journal keeps the levels.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "sockservd.h"

#define LOG_IDENT   "sockservd"
#define LOG_LINEMAX 2048
/* How the log file is opened, at start and at each reopen (safefile.c). */
#define LOG_FILE_FLAGS (O_WRONLY | O_APPEND | O_CREAT)
#define LOG_FILE_MODE  0640

enum log_target { TARGET_STDERR, TARGET_SYSLOG, TARGET_FILE };

static enum log_target log_target = TARGET_STDERR;
static int log_maxprio = LOG_INFO; /* most verbose kept */
static int log_verbose;
static int log_fd = -1;	   /* TARGET_FILE */
static int log_dirfd = -1; /* TARGET_FILE: its directory (safefile.c) */
static char *log_path;
/* TARGET_FILE: reopens by the master, counted in memory all processes share */
static unsigned int *log_gen;
static unsigned int log_gen_seen; /* the count this process follows */
static bool log_journal;	  /* stderr is journald's: <N> prefixes */

static const struct {
	const char *name;
	int prio;
} log_levels[] = {
    {"debug", LOG_DEBUG},
    {"info", LOG_INFO},
    {"notice", LOG_NOTICE},
    {"warning", LOG_WARNING},
    {"error", LOG_ERR},
};

static int
log_clamp(int prio)
{
	if (prio > LOG_DEBUG)
		return LOG_DEBUG;
	if (prio < LOG_ERR)
		return LOG_ERR;
	return prio;
}

/* Is stderr the stream systemd connected to journald (JOURNAL_STREAM)? */
static bool
log_journal_stderr(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) == -1)
		return false;
	return st.st_dev == dev && st.st_ino == ino;
}

/*
 * Start logging to stderr.  Each -v lowers the threshold one step: info is
 * kept by default, -v adds debug.  Safe to call again.
 */
void
log_init(int verbose)
{
	log_verbose = verbose < 0 ? 0 : verbose;
	log_maxprio = log_clamp(LOG_INFO + log_verbose);
	log_journal = log_journal_stderr();
}

int
log_level_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
		if (strcmp(name, log_levels[i].name) == 0)
			return log_levels[i].prio;
	return -1;
}

/* The reopen count, mapped once, before any process is forked. */
static int
log_gen_map(void)
{
	void *p;

	if (log_gen != NULL)
		return 0;
	p = mmap(NULL, sizeof(*log_gen), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	log_gen = p;
	log_gen_seen = *log_gen;
	return 0;
}

/*
 * Switch to the configured target: NULL means syslog, or stderr when
 * running in the foreground; otherwise "syslog", "stderr" or an absolute
 * path.  level is a syslog priority (or -1 for info); -v still raises it.
 * Returns 0, or -1 with errno set (EPERM: a file refused by safefile.c),
 * the cause logged to the old target, which is kept.
 */
int
log_open(const char *target, int level, bool foreground)
{
	enum log_target t;
	char *path = NULL, err[SAFEFILE_ERRLEN];
	int fd = -1, dirfd = -1, saved;

	if (target == NULL)
		t = foreground ? TARGET_STDERR : TARGET_SYSLOG;
	else if (strcmp(target, "syslog") == 0)
		t = TARGET_SYSLOG;
	else if (strcmp(target, "stderr") == 0)
		t = TARGET_STDERR;
	else if (target[0] == '/') {
		t = TARGET_FILE;
		if (log_gen_map() == -1 || (path = strdup(target)) == NULL) {
			log_warn("log %s", target);
			return -1;
		}
		fd = safefile_open(path, 0, LOG_FILE_FLAGS, LOG_FILE_MODE,
		    &dirfd, err, sizeof(err));
		if (fd == -1) {
			log_warnx("log %s: %s", path, err);
			saved = errno;
			free(path);
			errno = saved;
			return -1;
		}
	} else {
		errno = EINVAL;
		log_warn("log %s", target);
		return -1;
	}

	if (log_fd != -1)
		close(log_fd);
	if (log_dirfd != -1)
		close(log_dirfd);
	free(log_path);
	if (log_target == TARGET_SYSLOG && t != TARGET_SYSLOG)
		closelog();
	if (t == TARGET_SYSLOG)
		openlog(LOG_IDENT, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_target = t;
	log_fd = fd;
	log_dirfd = dirfd;
	log_path = path;
	if (level < 0)
		level = LOG_INFO;
	log_maxprio = log_clamp(level + log_verbose);
	return 0;
}

/*
 * Open the file again, in the directory opened by log_open() and by the
 * same rules; a failure is logged, naming the path.  The new file takes
 * the old descriptor's number, so a writer in another thread never writes
 * to a closed or reused descriptor.
 */
static int
log_reopen_file(void)
{
	char err[SAFEFILE_ERRLEN];
	int fd, saved;

	fd = safefile_openat(log_dirfd, strrchr(log_path, '/') + 1,
	    LOG_FILE_FLAGS, LOG_FILE_MODE, err, sizeof(err));
	if (fd == -1) {
		log_warnx("log %s: %s", log_path, err);
		return -1;
	}
	if (dup3(fd, log_fd, O_CLOEXEC) == -1) {
		saved = errno;
		log_warn("log %s: reopen", log_path);
		close(fd);
		errno = saved;
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * Reopen the log file after it was rotated (SIGUSR1), in the master, and
 * have every other process follow before its next line (log_follow).  A
 * no-op for syslog and stderr.
 */
int
log_reopen(void)
{
	if (log_target != TARGET_FILE)
		return 0;
	if (log_reopen_file() == -1)
		return -1;
	log_gen_seen = __atomic_add_fetch(log_gen, 1, __ATOMIC_RELEASE);
	return 0;
}

/*
 * The master reopened the file since this process last wrote: reopen it
 * here too, once per process (the first thread to see it), before the
 * line is written.  A process that cannot (a worker of another user than
 * the file's) goes on with the file it has; the reason is logged there.
 */
static void
log_follow(void)
{
	unsigned int gen;

	gen = __atomic_load_n(log_gen, __ATOMIC_ACQUIRE);
	if (gen == __atomic_load_n(&log_gen_seen, __ATOMIC_RELAXED) ||
	    __atomic_exchange_n(&log_gen_seen, gen, __ATOMIC_RELAXED) == gen)
		return;
	(void)log_reopen_file(); /* logged there; the old file stays */
}

/* Write a whole buffer; a log line is best effort, so errors are dropped. */
static void
log_write(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* Prefix for the file target: local time with offset, ident and pid. */
static size_t
log_stamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;
	int m;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	m = snprintf(buf + n, len - n, ".%03ld ", ts.tv_nsec / 1000000);
	n += m > 0 ? (size_t)m : 0;
	n += strftime(buf + n, len - n, "%z", &tm);
	m = snprintf(buf + n, len - n, " %s[%ld]: ", LOG_IDENT, (long)getpid());
	n += m > 0 ? (size_t)m : 0;
	return n < len ? n : len - 1;
}

static void
log_emit(int prio, const char *msg)
{
	char line[LOG_LINEMAX + 128];
	size_t n = 0;
	int m;

	switch (log_target) {
	case TARGET_SYSLOG:
		syslog(prio, "%s", msg);
		return;
	case TARGET_FILE:
		log_follow();
		n = log_stamp(line, sizeof(line));
		break;
	case TARGET_STDERR:
		if (log_journal)
			n = (size_t)snprintf(line, sizeof(line), "<%d>", prio);
		break;
	}
	m = snprintf(line + n, sizeof(line) - n, "%s\n", msg);
	if (m < 0)
		return;
	n += (size_t)m;
	if (n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	log_write(log_target == TARGET_FILE ? log_fd : STDERR_FILENO, line, n);
}

/* Would a message at prio be written?  Lets a caller skip formatting. */
bool
log_enabled(int prio)
{
	return LOG_PRI(prio) <= log_maxprio;
}

void
log_vlog(int prio, const char *fmt, va_list ap)
{
	char msg[LOG_LINEMAX];
	int saved = errno;

	if (LOG_PRI(prio) > log_maxprio)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_emit(LOG_PRI(prio), msg);
	errno = saved;
}

/* Format fmt and append ": strerror(err)". */
static void
log_vlog_errno(int prio, int err, const char *prefix, const char *fmt,
    va_list ap)
{
	char msg[LOG_LINEMAX], ebuf[128];
	size_t n;
	int m;

	m = snprintf(msg, sizeof(msg), "%s", prefix);
	n = m > 0 ? (size_t)m : 0;
	if (fmt != NULL) {
		m = vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
		n += m > 0 ? (size_t)m : 0;
		if (n < sizeof(msg))
			snprintf(msg + n, sizeof(msg) - n, ": ");
		n += 2;
	}
	if (n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - n, "%s",
		    strerror_r(err, ebuf, sizeof(ebuf)));
	log_emit(prio, msg);
}

void
log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(prio, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	if (LOG_WARNING > log_maxprio)
		return;
	va_start(ap, fmt);
	log_vlog_errno(LOG_WARNING, saved, "", fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_NOTICE, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (LOG_DEBUG > log_maxprio)
		return;
	va_start(ap, fmt);
	log_vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

/*
 * In a worker or child: log as log_warn() (log_fatalx: log_warnx()) and
 * leave with _exit(1).  Fatal to this process only, which the master
 * reaps and replaces, hence a warning; and _exit, because the atexit
 * handlers and stdio buffers it inherited are the master's.
 */
void
log_fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	if (LOG_WARNING <= log_maxprio)
		log_vlog_errno(LOG_WARNING, saved, "", fmt, ap);
	va_end(ap);
	_exit(1);
}

void
log_fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
	_exit(1);
}
