/*
 * signal.c -- the master's signal handling: flags and a self-pipe.
 *
 * It owns the dispositions of the master and of every forked process
 * until that process resets them.  A handler does the two things that are
 * safe in a handler: it sets one of the sig_* flags and writes a byte to
 * a non-blocking self-pipe, so that the master's poll() wakes up even if
 * the signal arrived just before it went to sleep.  Everything else
 * (reaping, reloading, stopping) happens in the master loop, in a fixed
 * order, after it has drained the pipe.  SIGPIPE is ignored: a client that
 * goes away must cost an EPIPE, not the master.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "sockservd.h"

volatile sig_atomic_t	sig_reload, sig_term, sig_quit, sig_reopen, sig_child;

static int	signal_pipe[2] = { -1, -1 };
static pid_t	signal_pid;		/* the master */
/* A stop signal that reached a child before signal_reset_child(). */
static volatile sig_atomic_t signal_child_pending;

/* The signals the master acts on; each is reset to default in children. */
static const int signal_caught[] = {
	SIGHUP, SIGTERM, SIGINT, SIGQUIT, SIGUSR1, SIGCHLD
};

static void
signal_handler(int sig)
{
	int	 saved = errno;
	char	 c = 0;

	/*
	 * A child forked a moment ago still runs this handler: keep a stop
	 * signal for signal_reset_child() to deliver, rather than lose it
	 * (a worker retired at birth would otherwise never stop).
	 */
	if (getpid() != signal_pid) {
		if (sig == SIGTERM || sig == SIGINT)
			signal_child_pending = sig;
		errno = saved;
		return;
	}
	switch (sig) {
	case SIGHUP:
		sig_reload = 1;
		break;
	case SIGTERM:
	case SIGINT:
		sig_term = 1;
		break;
	case SIGQUIT:
		sig_quit = 1;
		break;
	case SIGUSR1:
		sig_reopen = 1;
		break;
	case SIGCHLD:
		sig_child = 1;
		break;
	}
	/* A full pipe already holds a wake-up; the byte may be dropped. */
	if (signal_pipe[1] != -1)
		(void)!write(signal_pipe[1], &c, 1);
	errno = saved;
}

/*
 * Create the self-pipe and install the handlers.  Returns the read end,
 * to be polled for POLLIN, or -1 with errno set.
 */
int
signal_init(void)
{
	struct sigaction sa;
	sigset_t	 none;
	size_t		 i;

	if (signal_pipe[0] == -1 &&
	    pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) == -1)
		return -1;
	signal_pid = getpid();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = signal_handler;
	sa.sa_flags = SA_RESTART;
	/* One handler at a time: no flag is half-set by a nested signal. */
	sigfillset(&sa.sa_mask);
	for (i = 0; i < sizeof(signal_caught) / sizeof(signal_caught[0]); i++)
		if (sigaction(signal_caught[i], &sa, NULL) == -1)
			return -1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPIPE, &sa, NULL) == -1)
		return -1;

	/* Whatever our parent blocked, the master must see these. */
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) == -1)
		return -1;
	return signal_pipe[0];
}

/* Empty the self-pipe; the flags say what happened. */
void
signal_drain(void)
{
	char	 buf[64];
	ssize_t	 n;

	if (signal_pipe[0] == -1)
		return;
	do
		n = read(signal_pipe[0], buf, sizeof(buf));
	while (n > 0 || (n == -1 && errno == EINTR));
}

/*
 * In a freshly forked process: default dispositions for everything the
 * master caught or ignored, nothing blocked, and the master's self-pipe
 * closed, so the child neither wakes the master nor holds its fds.  A
 * SIGTERM or SIGINT that arrived since the fork is delivered now, with
 * the default action: the child stops before it starts.
 */
void
signal_reset_child(void)
{
	struct sigaction sa;
	sigset_t	 none;
	size_t		 i;
	int		 saved = errno;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(signal_caught) / sizeof(signal_caught[0]); i++)
		(void)sigaction(signal_caught[i], &sa, NULL);
	(void)sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	if (signal_child_pending != 0)
		(void)raise(signal_child_pending);

	for (i = 0; i < 2; i++)
		if (signal_pipe[i] != -1) {
			(void)close(signal_pipe[i]);
			signal_pipe[i] = -1;
		}
	sig_reload = sig_term = sig_quit = sig_reopen = sig_child = 0;
	errno = saved;
}
