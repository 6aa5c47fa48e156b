/*
 * sockserv/module.h -- the handler module ABI of sockservd.
 *
 * A module is a shared object that exports exactly one const descriptor,
 * `struct sockserv_module sockserv_module', written with designated
 * initializers.  sockservd reads `abi' before anything else and refuses a
 * module whose ABI differs from SOCKSERV_MODULE_ABI.
 *
 * The handler is libsockserv's own (struct sockserv_handler): a module's
 * setup/handle/finish get the same request object a library user gets.
 * Module code never runs in the master: init, the handlers and fini run
 * in workers and children, after privileges are dropped.  The one
 * exception is `check', a pure validation hook run while the
 * configuration is loaded (in a throw-away process on reload).
 */
#ifndef SOCKSERV_MODULE_H
#define SOCKSERV_MODULE_H

#include <confuse.h>
#include <sockserv.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SOCKSERV_MODULE_ABI    1
#define SOCKSERV_MODULE_SYMBOL "sockserv_module"

/* Socket types a module serves (`socktypes'). */
#define SOCKSERV_MOD_STREAM 0x01
#define SOCKSERV_MOD_DGRAM  0x02

/*
 * What the daemon tells a module about the service it runs in.  Valid for
 * the life of the process that got it.
 */
struct sockserv_module_env {
	const char *service;	 /* the service's name */
	enum sockserv_mode mode; /* how the service runs */
	int timeout;		 /* idle timeout, s; 0: none */
	cfg_t *options;		 /* the NAME { } block; NULL if
				    the module declares none */
	/* The daemon's logger; prio is a syslog(3) priority. */
	void (*log)(int prio, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
};

struct sockserv_module {
	unsigned int abi;	/* SOCKSERV_MODULE_ABI; always first */
	const char *name;	/* the name its options block takes */
	unsigned int socktypes; /* SOCKSERV_MOD_STREAM | _DGRAM */
	bool thread_safe;	/* may run in mode = thread */

	/*
	 * Options of the `NAME { ... }' block, a libConfuse option array
	 * ended by CFG_END(); NULL for none.  Types, defaults and ranges
	 * declared here are checked by the config loader with FILE:LINE.
	 */
	cfg_opt_t *options;

	/*
	 * Optional: validate the parsed block beyond types (a path exists,
	 * two options agree).  Report each problem with cfg_error(sec, ...)
	 * and return -1; no side effects.  sec is NULL when the service has
	 * no block.
	 */
	int (*check)(cfg_t *sec, const struct sockserv_module_env *env);

	/*
	 * Optional per-process hooks, run in each worker or child after
	 * privileges are dropped.  init's *state becomes the server context
	 * (sockserv_request_context()).  A failing init (-1) ends that
	 * process with status 1.
	 */
	int (*init)(const struct sockserv_module_env *env, void **state);
	void (*fini)(void *state);

	/* The handlers, per socket type served; NULL where not served. */
	const struct sockserv_handler *stream;
	const struct sockserv_handler *dgram;

	void *reserved[8]; /* zero; room to grow in ABI 1 */
};

#ifdef __cplusplus
}
#endif

#endif /* SOCKSERV_MODULE_H */
