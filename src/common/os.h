/*
 * os.h -- the few system interfaces every part of the tree reads the same
 * way: the monotonic clock and pidfd_open(2).
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
	struct timespec	 ts;

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

#endif /* SOCKSERV_OS_H */
