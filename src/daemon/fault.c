/*
 * fault.c -- what a process does when accept(2) or recvfrom(2) on a
 * listener fails: one rule for the master and for every worker.
 *
 * An error is either "nothing there" (EAGAIN: another process took it),
 * one connection's (it was aborted, or the network reported on it, before
 * it was taken: skip it and take the next), or the process's (out of
 * descriptors, buffers or memory, or anything unforeseen).  The last kind
 * lasts as long as its cause, and the connection waiting in the backlog
 * keeps the listener readable, so taking again at once would spin: the
 * caller stops taking from the listener until f->until, a pause that
 * doubles from FAULT_PAUSE_MIN to FAULT_PAUSE_MAX while the burst lasts.
 * A burst is logged when it starts, at most every FAULT_REPORT_EVERY
 * while it goes on, with the count since, and once it is over
 * (FAULT_QUIET without an error, then a take that works), with its
 * count: a few lines per burst, however long.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sockservd.h"

#define FAULT_PAUSE_MIN	   10	 /* ms: the first pause */
#define FAULT_PAUSE_MAX	   1000	 /* ms: the longest */
#define FAULT_REPORT_EVERY 60000 /* ms: a long burst, reported */
#define FAULT_QUIET	   5000	 /* ms without an error: burst over */
#define FAULT_WHATMAX	   256	 /* the context of a line */

/* Which kind of error err is, for accept4 and recvfrom on a listener. */
enum fault_kind
fault_kind(int err)
{
	switch (err) {
	case EAGAIN:
#if EWOULDBLOCK != EAGAIN
	case EWOULDBLOCK:
#endif
		return FAULT_EMPTY;
	case EINTR:
	case ECONNABORTED:
	/* Linux passes pending network errors of the new socket on. */
	case EPROTO:
	case EPERM: /* netfilter */
	case ENETDOWN:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case ENONET:
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EOPNOTSUPP:
	case ETIMEDOUT:
	case ECONNREFUSED: /* datagram: ICMP for an earlier reply */
		return FAULT_SKIP;
	default:
		return FAULT_PAUSE;
	}
}

/*
 * A take failed with err, of kind FAULT_PAUSE: count it, report it if
 * it starts a burst (or a new error does) or the last line is old, and
 * pause longer.  now: in ms, monotonic; fmt...: the context, e.g.
 * "service S: URL: accept".
 */
void
fault_hit(struct fault *f, uint64_t now, int err, const char *fmt, ...)
{
	char what[FAULT_WHATMAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (f->err != err) {
		f->err = err;
		f->count = f->total = 0;
		f->start = f->reported = now;
		log_warnx("%s: %s (pausing)", what, strerror(err));
	} else if (now - f->reported >= FAULT_REPORT_EVERY) {
		log_warnx("%s: %s (%lu more times in the last %llu s)", what,
		    strerror(err), f->count + 1,
		    (unsigned long long)(now - f->reported) / 1000);
		f->count = 0;
		f->reported = now;
	} else
		f->count++;
	f->total++;
	f->last = now;
	fault_pause(f, now);
}

/* Pause taking, longer than the last time, without a report. */
void
fault_pause(struct fault *f, uint64_t now)
{
	if (f->pause == 0)
		f->pause = FAULT_PAUSE_MIN;
	else if (f->pause < FAULT_PAUSE_MAX / 2)
		f->pause *= 2;
	else
		f->pause = FAULT_PAUSE_MAX;
	f->until = now + f->pause;
}

/*
 * A take succeeded: take at full speed again.  The burst is over, and
 * reported with its count, once FAULT_QUIET has passed without an
 * error: a process at its limit that takes one connection whenever
 * another closes is in one burst, not in one per connection.
 */
void
fault_clear(struct fault *f, uint64_t now, const char *fmt, ...)
{
	char what[FAULT_WHATMAX];
	va_list ap;

	f->pause = 0;
	f->until = 0;
	if (f->err == 0 || now - f->last < FAULT_QUIET)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	log_notice("%s: %s (%lu times in %.1f s); over", what, strerror(f->err),
	    f->total, (double)(f->last - f->start) / 1000);
	memset(f, 0, sizeof(*f));
}
