/*
 * crash-segv.h -- what the crashing test modules (crash.c, crashinit.c)
 * share: a real SIGSEGV that neither a sanitizer nor a core file catches.
 */
#ifndef CRASH_SEGV_H
#define CRASH_SEGV_H

#include <sys/prctl.h>
#include <sys/syscall.h>

#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/*
 * Die of SIGSEGV with the default action: the disposition is reset with
 * the raw system call, past any sanitizer's interceptor (so that a
 * sanitizer build sees a plain crash, not an error to report), and the
 * process is made non-dumpable so that no core file is left behind.
 */
static inline void
crash_segv(void)
{
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		uint64_t mask;
	} ksa;

	memset(&ksa, 0, sizeof(ksa));
	ksa.handler = SIG_DFL;
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)syscall(SYS_rt_sigaction, SIGSEGV, &ksa, NULL, sizeof(ksa.mask));
	(void)syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGSEGV);
	_exit(139);
}

#endif /* CRASH_SEGV_H */
