/*
 * badabi.c -- test-only module built against an ABI the daemon does not
 * speak: the loader must refuse it with `FILE: module ABI N, expected M'
 * before it looks at anything else in the descriptor.
 */
#include <sockserv.h>
#include <sockserv/module.h>

#define BADABI_VERSION (SOCKSERV_MODULE_ABI + 998)

const struct sockserv_module sockserv_module = {
    .abi = BADABI_VERSION,
    .name = "badabi",
    .socktypes = SOCKSERV_MOD_STREAM,
};
