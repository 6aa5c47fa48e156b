/*
 * systemd.c -- what the daemon tells systemd and takes from it: readiness
 * and state (sd_notify: READY, RELOADING, STOPPING, STATUS), the watchdog,
 * and the listening sockets of socket activation (sd_listen_fds).
 *
 * libsystemd is the real implementation of these protocols, but it and
 * what it links (liblzma, libzstd, liblz4, libgcrypt, libgpg-error) are
 * six shared objects that every child forked per connection would map,
 * copy the page tables of and unmap, for nothing: a child never talks to
 * systemd.  So it is not linked but loaded with dlopen, and only when the
 * environment says systemd started us (NOTIFY_SOCKET, LISTEN_FDS,
 * WATCHDOG_USEC); run by hand or by another supervisor, the daemon maps
 * none of it (doc/performance.md, "Fork mode").  Without libsystemd at
 * build time (configure --without-systemd) every call is a no-op.
 *
 * STATUS= is sent when it changes, checked from the master loop's timer
 * (systemd_timer), which also sends the watchdog's pings at half the
 * interval systemd asked for: a master that stops turning its loop stops
 * pinging, and systemd restarts it.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "sockservd.h"

#define SYSTEMD_LIB	  "libsystemd.so.0"
#define SYSTEMD_STATUS_MS 5000 /* STATUS= checked at least this often */
#define SYSTEMD_MSG_MAX	  512

#ifdef HAVE_SYSTEMD
static __typeof__(sd_notify) *systemd_sd_notify;
static __typeof__(sd_listen_fds_with_names) *systemd_sd_listen_fds;
static __typeof__(sd_watchdog_enabled) *systemd_sd_watchdog;
#endif

static uint64_t systemd_watchdog_ms;	     /* ping interval; 0: none */
static uint64_t systemd_due;		     /* ms, monotonic: next tick */
static char systemd_status[SYSTEMD_MSG_MAX]; /* last STATUS= sent */

#ifdef HAVE_SYSTEMD
/* Load libsystemd if systemd started us.  Returns false if it is not. */
static bool
systemd_load(void)
{
	static bool tried;
	void *h;

	if (tried)
		return systemd_sd_notify != NULL;
	tried = true;
	if (getenv("NOTIFY_SOCKET") == NULL && getenv("LISTEN_FDS") == NULL &&
	    getenv("WATCHDOG_USEC") == NULL)
		return false;
	if ((h = dlopen(SYSTEMD_LIB, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		log_warnx("started by systemd, but %s: %s", SYSTEMD_LIB,
		    dlerror());
		return false;
	}
	systemd_sd_notify = (__typeof__(sd_notify) *)dlsym(h, "sd_notify");
	systemd_sd_listen_fds = (__typeof__(sd_listen_fds_with_names) *)dlsym(h,
	    "sd_listen_fds_with_names");
	systemd_sd_watchdog =
	    (__typeof__(sd_watchdog_enabled) *)dlsym(h, "sd_watchdog_enabled");
	if (systemd_sd_notify == NULL || systemd_sd_listen_fds == NULL ||
	    systemd_sd_watchdog == NULL) {
		log_warnx("%s: %s", SYSTEMD_LIB, dlerror());
		systemd_sd_notify = NULL;
		dlclose(h);
		return false;
	}
	return true;
}
#endif

/*
 * The sockets systemd passed (LISTEN_FDS), from SYSTEMD_LISTEN_START on,
 * and their names (*names: NULL, or n strings and a NULL, to free with
 * systemd_names_free).  Call it first thing: it checks LISTEN_PID against
 * this process and unsets the variables, so no child sees them; and it
 * loads libsystemd if systemd started us, before any process is forked,
 * so that every child maps the same objects.
 * Returns how many there are (0 without socket activation), or -1.
 */
int
systemd_listen_fds(char ***names)
{
#ifdef HAVE_SYSTEMD
	int n;

	*names = NULL;
	if (!systemd_load() || getenv("LISTEN_FDS") == NULL)
		return 0;
	if ((n = systemd_sd_listen_fds(1, names)) < 0) {
		errno = -n;
		return -1;
	}
	return n;
#else
	*names = NULL;
	return 0;
#endif
}

void
systemd_names_free(char **names)
{
	char **p;

	if (names == NULL)
		return;
	for (p = names; *p != NULL; p++)
		free(*p);
	free(names);
}

/*
 * Send state (lines "KEY=VALUE" separated by newlines) to systemd, if it
 * listens; STATUS= lines are remembered so that the timer sends only a
 * change.
 */
void
systemd_notify(const char *fmt, ...)
{
#ifdef HAVE_SYSTEMD
	char msg[SYSTEMD_MSG_MAX];
	const char *st;
	va_list ap;
	int saved = errno;

	if (!systemd_load())
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((st = strstr(msg, "STATUS=")) != NULL)
		snprintf(systemd_status, sizeof(systemd_status), "%.*s",
		    (int)strcspn(st + 7, "\n"), st + 7);
	if (systemd_sd_notify(0, msg) < 0)
		log_debug("sd_notify failed");
	errno = saved;
#else
	(void)fmt;
#endif
}

/*
 * Ms until systemd_tick is due, -1 for never (not under systemd).  The
 * first call arms the watchdog from WATCHDOG_USEC.
 */
int
systemd_timer(uint64_t now)
{
#ifdef HAVE_SYSTEMD
	uint64_t usec;

	if (!systemd_load())
		return -1;
	if (systemd_due == 0) {
		if (systemd_sd_watchdog(0, &usec) > 0)
			systemd_watchdog_ms = usec / 2000 > 0 ? usec / 2000 : 1;
		systemd_due = now;
	}
	if (systemd_due <= now)
		return 0;
	return (int)(systemd_due - now);
#else
	(void)now;
	return -1;
#endif
}

/* If due: ping the watchdog, and send status if it changed. */
void
systemd_tick(uint64_t now, const char *status)
{
	uint64_t every = SYSTEMD_STATUS_MS;

	if (systemd_timer(now) != 0)
		return;
	if (systemd_watchdog_ms > 0) {
		systemd_notify("WATCHDOG=1");
		if (systemd_watchdog_ms < every)
			every = systemd_watchdog_ms;
	}
	if (strncmp(status, systemd_status, sizeof(systemd_status) - 1) != 0)
		systemd_notify("STATUS=%s", status);
	systemd_due = now + every;
}
