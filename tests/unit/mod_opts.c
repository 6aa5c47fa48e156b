/*
 * mod_opts.c -- a test module with options: it declares a `mod_opts { }'
 * block (greeting, count), checks count in its check hook, serves streams
 * only and is not thread-safe, so the loader's option, socket-type and
 * mode checks can all be exercised.
 */
#include <sockserv/module.h>

/* clang-format off */
static cfg_opt_t opts_options[] = {
	CFG_STR("greeting", "hello", CFGF_NONE),
	CFG_INT("count", 1, CFGF_NONE),
	CFG_END()
};
/* clang-format on */

static int
opts_check(cfg_t *sec, const struct sockserv_module_env *env)
{
	if (cfg_getint(sec, "count") > 100) {
		cfg_error(sec, "mod_opts: count %ld is more than 100",
		    cfg_getint(sec, "count"));
		return -1;
	}
	return 0;
}

static int
opts_handle(struct sockserv_request *req)
{
	return 0;
}

static const struct sockserv_handler opts_handler = {
    .handle = opts_handle,
};

const struct sockserv_module sockserv_module = {
    .abi = SOCKSERV_MODULE_ABI,
    .name = "mod_opts",
    .socktypes = SOCKSERV_MOD_STREAM,
    .thread_safe = false,
    .options = opts_options,
    .check = opts_check,
    .stream = &opts_handler,
};
