/*
 * crash.c -- test-only module whose handler dies of SIGSEGV on every
 * request, for the crash-loop and "a module crash never takes the master
 * down" scenarios.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <sockserv.h>
#include <sockserv/module.h>

/*
 * Die of SIGSEGV with the default action: the disposition is reset with
 * the raw system call, past any sanitizer's interceptor (so that a
 * sanitizer build sees a plain crash, not an error to report), and the
 * process is made non-dumpable so that no core file is left behind.
 */
static void
crash_segv(void)
{
	struct {
		void		*handler;
		unsigned long	 flags;
		void		*restorer;
		uint64_t	 mask;
	} ksa;

	memset(&ksa, 0, sizeof(ksa));
	ksa.handler = SIG_DFL;
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)syscall(SYS_rt_sigaction, SIGSEGV, &ksa, NULL, sizeof(ksa.mask));
	(void)syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGSEGV);
	_exit(139);
}

static int
crash_handle(struct sockserv_request *req)
{
	(void)req;
	crash_segv();
	return -1;
}

static const struct sockserv_handler crash_handler = {
	.handle = crash_handle,
};

const struct sockserv_module sockserv_module = {
	.abi = SOCKSERV_MODULE_ABI,
	.name = "crash",
	.socktypes = SOCKSERV_MOD_STREAM | SOCKSERV_MOD_DGRAM,
	.thread_safe = true,
	.stream = &crash_handler,
	.dgram = &crash_handler,
};
