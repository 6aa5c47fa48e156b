/*
 * crashinit.c -- test-only module whose per-process init never succeeds:
 * `crashinit { how = "fail" }' makes it return -1, `how = "crash"' (the
 * default) makes it die of SIGSEGV.  Every worker of a service using it
 * therefore dies at start, which is what the crash-loop back-off scenario
 * needs.  Its handlers echo, should one ever run.
 */
#include <sockserv.h>
#include <sockserv/module.h>

#include "crash-segv.h"

static int
crashinit_check(cfg_t *sec, const struct sockserv_module_env *env)
{
	const char *how;

	(void)env;
	if (sec == NULL)
		return 0;
	how = cfg_getstr(sec, "how");
	if (strcmp(how, "fail") != 0 && strcmp(how, "crash") != 0) {
		cfg_error(sec, "how must be \"fail\" or \"crash\", not \"%s\"",
		    how);
		return -1;
	}
	return 0;
}

static int
crashinit_init(const struct sockserv_module_env *env, void **state)
{
	const char *how = "crash";

	(void)state;
	if (env->options != NULL)
		how = cfg_getstr(env->options, "how");
	if (strcmp(how, "fail") == 0)
		return -1;
	crash_segv();
	return -1;
}

static int
crashinit_handle(struct sockserv_request *req)
{
	struct sockserv_io *io = sockserv_request_io(req);
	char buf[512];
	ssize_t n;

	while ((n = sockserv_io_read(io, buf, sizeof(buf))) > 0)
		if (sockserv_io_write(io, buf, (size_t)n) == -1)
			return -1;
	return n == 0 ? 0 : -1;
}

static cfg_opt_t crashinit_options[] = {CFG_STR("how", "crash", CFGF_NONE),
    CFG_END()};

static const struct sockserv_handler crashinit_handler = {
    .handle = crashinit_handle,
};

const struct sockserv_module sockserv_module = {
    .abi = SOCKSERV_MODULE_ABI,
    .name = "crashinit",
    .socktypes = SOCKSERV_MOD_STREAM,
    .thread_safe = true,
    .options = crashinit_options,
    .check = crashinit_check,
    .init = crashinit_init,
    .stream = &crashinit_handler,
};
