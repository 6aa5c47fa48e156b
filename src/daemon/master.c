/*
 * master.c -- the master process: the event loop, reload and shutdown.
 *
 * A reload applies a new configuration atomically: it is loaded once in
 * a throw-away child, then for real; its addresses are bound (the
 * listener table, listener.c, keeps every address the old one had); only
 * then does the new generation start, the old one retire and the dropped
 * listeners close.  It owns the one loop of the master, which acts on the
 * signals read in a fixed order and, for fork-mode services, accepts
 * connections (or receives datagrams) and hands each to the supervisor
 * after the cheap admission checks: address rules and max_per_source.
 * max_children is enforced by not polling a service's listeners while it
 * is full, so waiting clients stay in the kernel's backlog instead of
 * being accepted and dropped.  It tells systemd each change of state and,
 * from the loop's timer, pings the watchdog (systemd.c).
 *
 * The master never runs module code and never blocks on a client or a
 * child; it allocates nothing per connection (the supervisor's child
 * entry aside), so it stays small and forks cheaply.  What it writes per
 * connection (the poll set, the supervisor's table) is in the arena,
 * which children do not inherit (arena.c).
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockservd.h"

#define MASTER_BATCH	     32	   /* accepts per listener per wake-up */
#define MASTER_SINGLE	     15	   /* then wake-ups taking one (accept) */
#define MASTER_PKT_MAX	     8192  /* datagram buffer, as socketserver */
#define MASTER_REFUSE_WINDOW 1000  /* ms: refusals summarised per */
#define MASTER_CHECK_TIMEOUT 10000 /* ms: reload's trial conf_load */
#define MASTER_KILL_WAIT     5000  /* ms: for SIGKILLed children */

enum master_state {
	MASTER_RUN,   /* serving */
	MASTER_DRAIN, /* graceful stop: children finishing */
	MASTER_KILL   /* children SIGKILLed: reaping */
};

static struct conf *master_conf;
static enum master_state master_state = MASTER_RUN;
static uint64_t master_deadline; /* DRAIN, KILL */
static int master_sigfd = -1;
static struct master_opts master_opt; /* the command line's */

/* The poll set: [0] the signalfd, then the listeners polled now. */
static struct pollfd *master_pfd;
static struct listener **master_pl;
static size_t master_npfd; /* allocated */

static unsigned char *master_pkt; /* datagram buffer */

/* The smaller of two poll timeouts, where -1 means none. */
static int
master_min_timeout(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

static int
master_until(uint64_t when, uint64_t now)
{
	if (when <= now)
		return 0;
	if (when - now > 60000)
		return 60000;
	return (int)(when - now);
}

/*
 * Tell systemd (Type=notify) what the master is doing, with STATUS= the
 * summary (systemd.c; nothing if systemd did not start us).
 */
static void
master_notify(const char *state, const char *status)
{
	char sum[256];

	if (status == NULL) {
		supervisor_status(master_conf, sum, sizeof(sum));
		status = sum;
	}
	systemd_notify("%s\nSTATUS=%s", state, status);
}

/*
 * The loop's timer for systemd, when due: the watchdog's ping, STATUS=
 * if it changed.  Draining too: a wedged drain is restarted as well.
 */
static void
master_systemd(void)
{
	char sum[256];
	uint64_t now = os_monotonic_ms();

	if (systemd_timer(now) != 0)
		return;
	supervisor_status(master_conf, sum, sizeof(sum));
	systemd_tick(now, sum);
}

/* Size the poll set for every listener there is. */
static int
master_pollset_size(void)
{
	struct listener *l, **pl;
	struct pollfd *pfd;
	size_t n = 1;

	TAILQ_FOREACH(l, &listener_all, entry)
		n++;
	if (n <= master_npfd)
		return 0;
	/* In the arena: poll() writes it on every turn. */
	if ((pfd = arena_calloc(n, sizeof(*pfd))) == NULL)
		return -1;
	if ((pl = arena_calloc(n, sizeof(*pl))) == NULL) {
		arena_free(pfd);
		return -1;
	}
	arena_free(master_pfd);
	arena_free(master_pl);
	master_pfd = pfd;
	master_pl = pl;
	master_npfd = n;
	return 0;
}

/*
 * conf's listeners are bound: make conf's services their owners, and
 * make room in the poll set for every listener there is.
 */
static int
master_commit(struct conf *conf)
{
	listener_commit(conf);
	return master_pollset_size();
}

/* ------------------------------------------------------------ admission */

/*
 * A refused client is logged once; more refusals from the same listener
 * within a second are only counted and summarised by master_refused(),
 * so a flood costs one line a second, not one per packet.
 */
static void
master_refuse(struct listener *l, const struct sockaddr *sa, socklen_t len,
    const char *why)
{
	char peer[SOCKSERV_ADDRSTRLEN];
	uint64_t now = os_monotonic_ms();

	if (l->refused == 0 && now - l->refused_at >= MASTER_REFUSE_WINDOW) {
		if (sockserv_sockaddr_format(sa, len, peer, sizeof(peer)) < 0)
			snprintf(peer, sizeof(peer), "unix:");
		log_notice("service %s: %s: refused %s: %s", l->svc->name,
		    l->url, peer, why);
		l->refused_at = now;
	} else
		l->refused++;
}

/* Summarise the refusals counted; returns ms until the next summary. */
static int
master_refused(uint64_t now)
{
	struct listener *l;
	int t = -1;

	TAILQ_FOREACH(l, &listener_all, entry) {
		if (l->refused == 0)
			continue;
		if (now - l->refused_at >= MASTER_REFUSE_WINDOW) {
			log_notice("service %s: %s: refused %u more",
			    l->svc->name, l->url, l->refused);
			l->refused = 0;
			l->refused_at = now;
		} else
			t = master_min_timeout(t,
			    master_until(l->refused_at + MASTER_REFUSE_WINDOW,
				now));
	}
	return t;
}

static bool
master_admit(struct listener *l, const struct sockaddr *sa, socklen_t len)
{
	const struct service *svc = l->svc;

	if (!acl_admit(svc, sa)) {
		master_refuse(l, sa, len, "address not allowed");
		return false;
	}
	if (svc->max_per_source > 0 &&
	    (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) &&
	    supervisor_count_peer(svc, sa) >= svc->max_per_source) {
		master_refuse(l, sa, len, "max_per_source reached");
		return false;
	}
	return true;
}

/* ------------------------------------------------------- fork-mode I/O */

/*
 * accept or recvfrom (call) on l failed: true to take the next, false to
 * stop.  Out of descriptors or memory, l rests (out of the poll set) for
 * a growing pause rather than spin on a connection it cannot take.
 */
static bool
master_take_failed(struct listener *l, const char *call)
{
	switch (fault_kind(errno)) {
	case FAULT_SKIP:
		return true;
	case FAULT_PAUSE:
		fault_hit(&l->fault, os_monotonic_ms(), errno,
		    "service %s: %s: %s", l->svc->name, l->url, call);
		break;
	case FAULT_EMPTY:
		break;
	}
	return false;
}

/* A take on l worked: no pause; a burst of failures may be over. */
static void
master_took(struct listener *l, const char *call)
{
	if (FAULT_ACTIVE(&l->fault))
		fault_clear(&l->fault, os_monotonic_ms(), "service %s: %s: %s",
		    l->svc->name, l->url, call);
}

static bool
master_full(const struct service *svc)
{
	return supervisor_count(svc) >= svc->max_children;
}

/*
 * Accept what is queued, a batch at most.  A wake-up that found exactly
 * one connection (the usual case at low concurrency) makes the next
 * MASTER_SINGLE wake-ups take one and go back to poll, which says at once
 * if there is another: the batch's last accept, which fails with EAGAIN,
 * is a syscall per connection on the fork path.  Then one full batch
 * looks again.
 */
static void
master_accept(struct listener *l)
{
	struct sockaddr_storage ss;
	struct sockaddr *sa = (struct sockaddr *)&ss;
	socklen_t len;
	int fd, i, max, took = 0;

	max = l->hot->single > 0 ? 1 : MASTER_BATCH;
	if (l->hot->single > 0)
		l->hot->single--;
	for (i = 0; i < max && !master_full(l->svc); i++) {
		len = sizeof(ss);
		ss.ss_family = AF_UNSPEC;
		fd = accept4(l->fd, sa, &len, SOCK_CLOEXEC);
		if (fd == -1) {
			if (master_take_failed(l, "accept"))
				continue;
			break;
		}
		took++;
		if (!master_admit(l, sa, len)) {
			close(fd);
			continue;
		}
		/* It closes fd; a fork failure is logged there. */
		if (supervisor_fork_conn(master_conf, l->svc, fd, sa, len) ==
		    -1) {
			fault_pause(&l->fault, os_monotonic_ms());
			return;
		}
		master_took(l, "accept");
	}
	if (max > 1 && took == 1 && i < max)
		l->hot->single = MASTER_SINGLE;
}

static void
master_recv(struct listener *l)
{
	struct sockaddr_storage ss;
	struct sockaddr *sa = (struct sockaddr *)&ss;
	socklen_t len;
	ssize_t n;
	int i;

	for (i = 0; i < MASTER_BATCH && !master_full(l->svc); i++) {
		len = sizeof(ss);
		ss.ss_family = AF_UNSPEC; /* an unbound Unix sender: len 0 */
		n = recvfrom(l->fd, master_pkt, MASTER_PKT_MAX, MSG_DONTWAIT,
		    sa, &len);
		if (n == -1) {
			if (master_take_failed(l, "recvfrom"))
				continue;
			return;
		}
		if (!master_admit(l, sa, len))
			continue;
		if (supervisor_fork_dgram(master_conf, l->svc, l->fd,
			master_pkt, (size_t)n, sa, len) == -1) {
			fault_pause(&l->fault, os_monotonic_ms());
			return;
		}
		master_took(l, "recvfrom");
	}
}

/*
 * Fill the poll set: the signalfd, then, while serving, the listeners of
 * fork-mode services that are below max_children and not pausing.
 */
static nfds_t
master_pollset(uint64_t now)
{
	struct listener *l;
	nfds_t n = 1;

	master_pfd[0].fd = master_sigfd;
	master_pfd[0].events = POLLIN;
	if (master_state != MASTER_RUN)
		return n;
	TAILQ_FOREACH(l, &listener_all, entry) {
		if (n >= master_npfd) /* only if growing it failed */
			break;
		if (l->svc->mode != MODE_FORK || master_full(l->svc) ||
		    now < l->fault.until)
			continue;
		master_pfd[n].fd = l->fd;
		master_pfd[n].events = POLLIN;
		master_pl[n] = l;
		n++;
	}
	return n;
}

/* --------------------------------------------------------- generations */

/*
 * Start the pools of conf's prefork, thread and sync services, and the
 * spares of its fork-mode services (fork_ahead).
 */
static int
master_start_pools(struct conf *conf)
{
	struct service *svc;
	int rv = 0;

	TAILQ_FOREACH(svc, &conf->services, entry) {
		if (pool_start(conf, svc) == -1) {
			log_warnx("service %s: cannot start its workers",
			    svc->name);
			rv = -1;
		}
	}
	return rv;
}

/*
 * Load the new configuration once in a throw-away child first: a module
 * whose loading or check hook crashes or hangs costs that child, not the
 * master.  Returns 0 if the child loaded it cleanly.
 */
static int
master_trial_load(void)
{
	struct pollfd pfd;
	pid_t pid;
	int status, pidfd;

	child_before_fork();
	if ((pid = fork()) == -1) {
		log_warn("reload: fork");
		return -1;
	}
	if (pid == 0) {
		signal_reset_child();
		child_close_master(NULL, -1);
		_exit(conf_load(master_opt.config) != NULL ? 0 : EXIT_CONFIG);
	}
	pidfd = os_pidfd_open(pid);
	if (pidfd != -1) {
		pfd.fd = pidfd;
		pfd.events = POLLIN;
		while (
		    poll(&pfd, 1, MASTER_CHECK_TIMEOUT) == -1 && errno == EINTR)
			;
		if (pfd.revents == 0) {
			log_warnx("reload: loading the configuration hangs");
			(void)kill(pid, SIGKILL);
		}
		close(pidfd);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	if (WIFSIGNALED(status))
		log_warnx("reload: loading the configuration was killed by "
			  "signal %d",
		    WTERMSIG(status));
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* What a reload cannot change in a running master: say so. */
static void
master_reload_notes(const struct conf *old, const struct conf *new)
{
	const char *op = old->pidfile, *np = new->pidfile;

	if ((old->user == NULL) != (new->user == NULL) ||
	    (old->user && new->user &&strcmp(old->user, new->user) != 0) ||
	    old->gid != new->gid)
		log_warnx("reload: a new user or group takes a restart");
	if (master_opt.pidfile == NULL && (op == NULL) == (np == NULL) && op &&
	    strcmp(op, np) != 0)
		log_warnx("reload: a new pidfile takes a restart");
	if ((old->log == NULL) != (new->log == NULL) ||
	    (old->log && strcmp(old->log, new->log) != 0) ||
	    old->log_level != new->log_level)
		if (log_open(new->log, new->log_level, master_opt.foreground) ==
		    -1)
			log_warnx("reload: keeping the old log target");
}

/*
 * Start-up and reloads run code the loop never runs again (the config
 * parser, user lookups, dlopen): drop the master's mappings of it, so
 * that its resident size is what it keeps using.  The pages stay in the
 * page cache; the few the loop runs come back with one fault each.  The
 * heap the old configuration and the load's scratch left free goes back
 * too: every resident page of the master is one more for each fork to
 * write-protect (with 1,000 services a reload left 7 MiB of it).
 */
static void
master_trim(void)
{
	arena_code_advise(MADV_DONTNEED);
	(void)malloc_trim(0);
}

/* A configuration may enable no service: a fresh install, say. */
static void
master_idle_note(const struct conf *conf)
{
	if (TAILQ_EMPTY(&conf->services))
		log_notice("no service enabled; idle until a reload "
			   "enables one");
}

/*
 * SIGHUP: apply a new configuration atomically.  Nothing changes unless
 * it is valid and every new address is bound; then the new generation
 * starts, the old one is retired, and dropped listeners are closed.
 */
static void
master_reload(void)
{
	struct conf *new, *old = master_conf;

	log_notice("reloading %s", master_opt.config);
	/* Type=notify-reload wants the time of the request too. */
	systemd_notify("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
	    (unsigned long long)(os_monotonic() * 1e6));
	if (master_trial_load() == -1 ||
	    (new = conf_load(master_opt.config)) == NULL) {
		log_warnx("reload failed, keeping the old configuration");
		master_notify("READY=1",
		    "reload failed, keeping the old "
		    "configuration (see the log)");
		return;
	}
	/* An identity the dropped master can no longer give is refused now,
	   not discovered later by workers that cannot start. */
	if (priv_check_config(new) == -1 || listener_bind(new) == -1) {
		conf_free(new);
		log_warnx("reload failed, keeping the old configuration");
		master_notify("READY=1",
		    "reload failed, keeping the old "
		    "configuration (see the log)");
		return;
	}
	master_conf = new;
	if (master_commit(new) == -1)
		log_warn("reload");
	master_reload_notes(old, new);
	(void)master_start_pools(new);
	supervisor_retire_conf(old);
	listener_prune();
	conf_free(old); /* the master's reference */
	log_notice("reloaded %s", master_opt.config);
	master_idle_note(new);
	master_notify("READY=1", "reloaded");
	master_trim();
}

/* ------------------------------------------------------------ shutdown */

static void
master_stop(bool fast)
{
	uint64_t now = os_monotonic_ms();

	if (master_state == MASTER_RUN) {
		listener_close_all();
		supervisor_retire_conf(master_conf);
		master_notify("STOPPING=1", "stopping");
	}
	if (!fast && master_state == MASTER_RUN) {
		if (supervisor_live() > 0)
			log_notice("shutting down, %d children to finish",
			    supervisor_live());
		else
			log_notice("shutting down");
		master_state = MASTER_DRAIN;
		master_deadline =
		    now + (uint64_t)master_conf->shutdown_timeout * 1000;
		return;
	}
	if (master_state == MASTER_KILL)
		return;
	if (supervisor_live() > 0)
		log_notice("%s: killing %d children",
		    fast ? "fast shutdown" : "shutdown timeout",
		    supervisor_live());
	supervisor_signal_all(SIGKILL);
	master_state = MASTER_KILL;
	master_deadline = now + MASTER_KILL_WAIT;
}

/*
 * Act on the signals read, in the order the design fixes.  readable: the
 * signalfd polled readable (otherwise there is nothing to read, and a
 * read would only cost a syscall per connection).
 */
static void
master_signals(bool readable)
{
	unsigned got = readable ? signal_drain() : 0;

	if ((got & SIGNAL_CHILD) || master_state != MASTER_RUN)
		supervisor_reap();
	if (got & SIGNAL_QUIT)
		master_stop(true);
	else if (got & SIGNAL_TERM)
		master_stop(master_state != MASTER_RUN);
	if ((got & SIGNAL_RELOAD) && master_state == MASTER_RUN)
		master_reload();
	if ((got & SIGNAL_REOPEN) && log_reopen() == 0)
		log_info("log reopened");
}

/* ----------------------------------------------------------- the loop */

static int
master_timeout(uint64_t now)
{
	struct listener *l;
	int t;

	t = master_min_timeout(supervisor_next_timeout(), systemd_timer(now));
	if (master_state != MASTER_RUN)
		return master_min_timeout(t,
		    master_min_timeout(100,
			master_until(master_deadline, now)));
	TAILQ_FOREACH(l, &listener_all, entry)
		if (now < l->fault.until)
			t = master_min_timeout(t,
			    master_until(l->fault.until, now));
	return master_min_timeout(t, master_refused(now));
}

/* One pass of the loop; false once the master is done. */
static bool
master_turn(void)
{
	uint64_t now = os_monotonic_ms();
	nfds_t n, i;
	enum master_state before = master_state;
	struct conf *conf = master_conf;
	int strays;

	n = master_pollset(now);
	if (poll(master_pfd, n, master_timeout(now)) == -1) {
		if (errno != EINTR)
			log_warn("poll");
		n = 0;
		master_pfd[0].revents = 0;
	}
	master_signals(master_pfd[0].revents != 0);
	if (master_state == MASTER_RUN || master_state == MASTER_DRAIN)
		supervisor_maintain();
	master_systemd();
	if (master_state != MASTER_RUN) {
		now = os_monotonic_ms();
		/* Done once no child is left, not even an orphan it left. */
		strays = supervisor_kill_strays();
		if (supervisor_live() == 0 && strays == 0)
			return false;
		if (now >= master_deadline) {
			if (master_state == MASTER_KILL) {
				log_warnx("%d children and %d processes they "
					  "left would not die",
				    supervisor_live(), strays);
				return false;
			}
			master_stop(false);
		}
		return true;
	}
	/* A reload or stop in this pass invalidated the listeners polled. */
	if (before != master_state || conf != master_conf)
		return true;
	for (i = 1; i < n; i++) {
		if (master_pfd[i].revents == 0)
			continue;
		if (master_pl[i]->addr.socktype == SOCK_STREAM)
			master_accept(master_pl[i]);
		else
			master_recv(master_pl[i]);
	}
	return true;
}

/*
 * Undo a start-up that failed half-way: nothing may be left behind.  If
 * the log already went elsewhere, leave whoever started us a pointer to
 * it.
 */
static int
master_abort(int status, bool logged)
{
	const char *target = master_conf->log;

	if (logged &&
	    ((target == NULL && !master_opt.foreground) ||
		(target != NULL && strcmp(target, "stderr") != 0)))
		daemonize_note("start-up failed, see the log (%s)",
		    target != NULL ? target : "syslog");
	master_stop(true);
	while (supervisor_live() > 0 && master_turn())
		;
	listener_close_all();
	return status;
}

static void
master_cleanup(void)
{
	listener_close_all();
	conf_free(master_conf);
	master_conf = NULL;
	child_fini();
	arena_free(master_pfd);
	arena_free(master_pl);
	free(master_pkt);
	master_pfd = NULL;
	master_pl = NULL;
	master_pkt = NULL;
	master_npfd = 0;
	arena_release();
}

/*
 * Open the configured log target now that the sockets are bound but while
 * still privileged; a log file is given to the service user (safefile.c),
 * so SIGUSR1 can reopen it after the switch.  Errors up to here went to
 * stderr, and so does the reason this fails.
 */
static int
master_log_open(const struct conf *conf)
{
	return log_open(conf->log, conf->log_level, master_opt.foreground);
}

/*
 * Bind, drop privileges, start the pools, report ready, then serve until
 * stopped.  Returns the process's exit status.
 */
int
master_run(struct conf *conf, const struct master_opts *opt)
{
	int status;

	master_opt = *opt;
	master_conf = conf;
	if ((master_sigfd = signal_init()) == -1) {
		log_warn("signals");
		return EXIT_OSERR;
	}
	/* What children leave behind becomes ours to kill at the latest at
	   the stop (supervisor_kill_strays), not init's to keep. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1) {
		log_warn("cannot become a child subreaper");
		return EXIT_OSERR;
	}
	/* Not in the arena: a datagram's child reads it. */
	if ((master_pkt = malloc(MASTER_PKT_MAX)) == NULL ||
	    master_pollset_size() == -1 || child_init() == -1) {
		log_warn("master");
		return EXIT_OSERR;
	}
	/* EPERM: a file location refused by safefile.c. */
	if (listener_bind(conf) == -1 || master_commit(conf) == -1) {
		status = master_abort(errno == EPERM ? EXIT_NOPERM : EXIT_OSERR,
		    false);
		goto out;
	}
	listener_prune(); /* nothing to close: resets the marks */
	if (master_log_open(conf) == -1) {
		status = master_abort(errno == EPERM ? EXIT_NOPERM : EXIT_OSERR,
		    false);
		goto out;
	}
	if (priv_drop_master(conf) == -1) {
		status = master_abort(EXIT_NOPERM, true);
		goto out;
	}
	if (daemonize_release() == -1) {
		log_warn("cannot point stderr at /dev/null");
		status = master_abort(EXIT_OSERR, true);
		goto out;
	}
	if (master_start_pools(conf) == -1) {
		status = master_abort(EXIT_OSERR, true);
		goto out;
	}
	daemonize_ready();
	master_notify("READY=1", NULL);
	log_notice("started, pid %ld", (long)getpid());
	master_idle_note(conf);
	master_trim();

	while (master_turn())
		;
	log_notice("stopped");
	status = 0;
out:
	daemonize_pidfile_remove();
	master_cleanup();
	return status;
}
