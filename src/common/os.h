/*
 * os.h -- the few system interfaces every part of the tree reads the same
 * way: the monotonic clock, pidfd_open(2), a thread's children,
 * strtol(3) held to a plain bounded decimal, and closing descriptors in
 * runs.
 *
 * The library, the daemon and the bundled modules each need them, and
 * each had its own copy.  They live here, header-only, because the
 * library exports nothing but its API (^sockserv_, src/lib/local.mk) and
 * a module links nothing but that API: an inline function adds no symbol
 * to either, and a call costs what the open-coded one did.
 */
#ifndef SOCKSERV_OS_H
#define SOCKSERV_OS_H

#include <sys/types.h>
#include <sys/syscall.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

/*
 * Seconds on CLOCK_MONOTONIC: the one clock for deadlines, ages and
 * rates.  A double keeps better than a microsecond over thirty years of
 * uptime.  CLOCK_MONOTONIC cannot fail with a valid pointer.
 */
static inline double
os_monotonic(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The same clock in whole milliseconds, for timers kept as integers. */
static inline uint64_t
os_monotonic_ms(void)
{
	return (uint64_t)(os_monotonic() * 1000);
}

/*
 * A descriptor that polls readable once pid has exited (always
 * O_CLOEXEC); -1 with errno set, ENOSYS where the kernel or the headers
 * lack pidfd_open(2).
 */
static inline int
os_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/*
 * The children of this process's thread tid as Linux lists them (a
 * subreaper's adopted orphans included): os_children_open(), then
 * os_children_next() until it returns 0, then fclose().  NULL with errno
 * if /proc/self/task/TID/children cannot be opened.
 */
static inline FILE *
os_children_open(pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%ld/children", (long)tid);
	return fopen(path, "re");
}

static inline pid_t
os_children_next(FILE *f)
{
	long pid;

	if (fscanf(f, "%ld", &pid) != 1 || pid <= 0)
		return 0;
	return (pid_t)pid;
}

/*
 * A decimal number in [0, max], digits only (no sign, space or suffix,
 * which strtol alone lets through); -1 if s is not one.
 */
static inline long
os_decimal(const char *s, long max)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	return v;
}

/*
 * Descriptors a forked child closes, gathered into runs of consecutive
 * numbers, each closed with one close_range(2): the daemon's fork path
 * pays a syscall per run, not per descriptor (listeners bound one after
 * another are one run however many services there are).  Add the
 * descriptors in any order (a number that does not extend the run
 * flushes it), then flush.  Only descriptors added are ever closed.
 */
struct os_fdrun {
	int lo, hi; /* hi == -1: empty */
};
#define OS_FDRUN_INIT                                                          \
	{                                                                      \
		-1, -1                                                         \
	}

static inline void
os_fdrun_flush(struct os_fdrun *r)
{
	int fd;

	if (r->hi < 0)
		return;
	if (r->lo == r->hi ||
	    close_range((unsigned)r->lo, (unsigned)r->hi, 0) == -1)
		for (fd = r->lo; fd <= r->hi; fd++)
			(void)close(fd);
	r->lo = r->hi = -1;
}

static inline void
os_fdrun_add(struct os_fdrun *r, int fd)
{
	if (fd < 0)
		return;
	if (r->hi >= 0 && fd == r->hi + 1)
		r->hi = fd;
	else if (r->hi >= 0 && fd == r->lo - 1)
		r->lo = fd;
	else {
		os_fdrun_flush(r);
		r->lo = r->hi = fd;
	}
}

#endif /* SOCKSERV_OS_H */
