/*
 * crash.c -- test-only module whose handler dies of SIGSEGV on every
 * request, for the crash-loop and "a module crash never takes the master
 * down" scenarios.
 */
#include <sockserv.h>
#include <sockserv/module.h>

#include "crash-segv.h"

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
