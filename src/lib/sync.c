/*
 * sync.c -- the synchronous strategy (CPython's plain server): each
 * request runs to its end in the serving loop, which accepts the next
 * only then.  A prefork worker serves with it too (prefork.c), as does a
 * server that only runs requests handed to it (sockserv_server_new_unbound).
 */
#include "config.h"

#include "sockserv-int.h"

/* The synchronous process_request: handle, report, shut down. */
int
sync_process(struct sockserv_server *srv, struct sockserv_request *req)
{
	(void)request_run(req);
	return 0;
}

const struct strategy sync_strategy = {
    .process = sync_process,
    .close = kids_close,
    .active = kids_active,
};
