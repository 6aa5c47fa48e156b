/*
 * signal.c -- the master's signals, read from a signalfd.
 *
 * The master blocks the signals it acts on and reads them from a
 * signalfd that its loop polls: no handler runs, so nothing is
 * interrupted half-way and nothing has to be async-signal-safe.  It also
 * keeps the per-connection path cheap: a delivered SIGCHLD would build a
 * signal frame on the stack and write a flag and a pipe, and on a busy
 * fork-mode service every page the master writes while a child shares it
 * is a copy-on-write fault.  What arrived is handed to the loop as a set
 * of bits; reaping, reloading and stopping happen there, in a fixed
 * order.  SIGPIPE is ignored: a client that goes away must cost an EPIPE,
 * not the master.
 *
 * Forked processes inherit the mask.  A pool worker or a spare sets up
 * its own handlers first, then calls signal_reset_child(), which
 * unblocks: a SIGTERM sent between the fork and that moment waits, and
 * reaches the worker's own handler instead of being lost or running the
 * master's.  A child serving one connection keeps the mask (worker.c).
 */
#include "config.h"

#include <sys/signalfd.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "sockservd.h"

static int signal_fd = -1;

/* The signals the master acts on, and the bit signal_drain() reports. */
static const struct {
	int sig;
	unsigned bit;
} signal_caught[] = {
    {SIGHUP, SIGNAL_RELOAD},
    {SIGTERM, SIGNAL_TERM},
    {SIGINT, SIGNAL_TERM},
    {SIGQUIT, SIGNAL_QUIT},
    {SIGUSR1, SIGNAL_REOPEN},
    {SIGCHLD, SIGNAL_CHILD},
};
#define SIGNAL_NCAUGHT (sizeof(signal_caught) / sizeof(signal_caught[0]))

/*
 * Block the caught signals and open the signalfd.  Returns its fd, to be
 * polled for POLLIN, or -1 with errno set.
 */
int
signal_init(void)
{
	struct sigaction sa;
	sigset_t set;
	size_t i;

	/*
	 * Default dispositions first: one inherited as SIG_IGN would be
	 * dropped rather than queued, and an ignored SIGCHLD reaps children
	 * behind the supervisor's back.
	 */
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sigemptyset(&set);
	for (i = 0; i < SIGNAL_NCAUGHT; i++) {
		sa.sa_handler = SIG_DFL;
		if (sigaction(signal_caught[i].sig, &sa, NULL) == -1)
			return -1;
		sigaddset(&set, signal_caught[i].sig);
	}
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1)
		return -1;
	/* Exactly these blocked, whatever our parent blocked. */
	if (sigprocmask(SIG_SETMASK, &set, NULL) == -1)
		return -1;
	if (signal_fd == -1 &&
	    (signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		return -1;
	return signal_fd;
}

/* Read every queued signal; returns the SIGNAL_* bits of what came. */
unsigned
signal_drain(void)
{
	struct signalfd_siginfo si[8];
	unsigned got = 0;
	ssize_t n, k;
	size_t i;

	if (signal_fd == -1)
		return 0;
	for (;;) {
		n = read(signal_fd, si, sizeof(si));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return got; /* EAGAIN: all read */
		for (k = 0; k < n / (ssize_t)sizeof(si[0]); k++)
			for (i = 0; i < SIGNAL_NCAUGHT; i++)
				if (signal_caught[i].sig ==
				    (int)si[k].ssi_signo)
					got |= signal_caught[i].bit;
		/* Short: the queue was empty (a later one polls readable). */
		if (n < (ssize_t)sizeof(si))
			return got;
	}
}

/*
 * In a forked process: add the master's signalfd to what run closes
 * (child_close_master).  Nothing else: a fork-mode child serving one
 * connection keeps the master's mask (see worker_conn), and it writes no
 * variable, since in fork mode this runs once per connection and every
 * page a child writes is a fault.
 */
void
signal_close_child(struct os_fdrun *run)
{
	os_fdrun_add(run, signal_fd);
}

/*
 * In a forked process that has installed its own handlers: SIGPIPE back
 * to its default, nothing blocked (child_close_master closed the
 * signalfd).  A signal that
 * arrived since the fork is delivered now.
 */
void
signal_reset_child(void)
{
	static const sigset_t none; /* all clear, as sigemptyset() makes */
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa)); /* SIG_DFL, empty sa_mask */
	(void)sigaction(SIGPIPE, &sa, NULL);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
}
