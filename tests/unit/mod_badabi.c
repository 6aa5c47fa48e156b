/*
 * mod_badabi.c -- a test module built for another ABI version: the loader
 * must refuse it by its ABI number before reading anything else.
 */
#include <sockserv/module.h>

static int
badabi_handle(struct sockserv_request *req)
{
	return 0;
}

static const struct sockserv_handler badabi_handler = {
    .handle = badabi_handle,
};

const struct sockserv_module sockserv_module = {
    .abi = 999,
    .name = "mod_badabi",
    .socktypes = SOCKSERV_MOD_STREAM,
    .stream = &badabi_handler,
};
