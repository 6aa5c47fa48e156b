/*
 * xfer-store.h -- the xfer module's instance, the store under its root,
 * and what the request handlers of xfer.c ask of it (xfer-store.c): the
 * partial file of an upload, its reservation under max_total_size, and
 * its end, committed or left for a resume.
 */
#ifndef XFER_STORE_H
#define XFER_STORE_H

#include <stdint.h>

#include <sockserv/module.h>

struct xfer {
	int rootfd;
	const char *root;  /* for messages */
	int64_t max_file;  /* 0: no limit */
	int64_t max_total; /* 0: no limit */
	int timeout;	   /* s; 0: none */
	const struct sockserv_module_env *env;
};

/*
 * Open and lock `part' (XFER_PART_PREFIX NAME), the partial of an upload
 * of NAME: the descriptor, or -1 with *code XFER_E_BUSY (another upload
 * of NAME runs) or XFER_E_IO (logged).
 */
int xfer_store_part_open(const struct xfer *x, const char *part, int *code);

/*
 * Reserve room for the upload of `name', whose partial `part' (open from
 * xfer_store_part_open) may grow to `size' bytes; only when max_total
 * is set.  Returns 0, XFER_E_QUOTA or XFER_E_IO (logged).
 */
int xfer_store_reserve(const struct xfer *x, const char *part, const char *name,
    uint64_t size);

/*
 * Make the received partial fd the file `name', durably, and end its
 * reservation.  0, or -1 with errno; then call xfer_store_abort.
 */
int xfer_store_commit(const struct xfer *x, int fd, const char *part,
    const char *name);

/* End an upload that stopped short: its partial stays for a resume; fd is
 * closed. */
void xfer_store_abort(const struct xfer *x, int fd, const char *part,
    const char *name);

#endif /* XFER_STORE_H */
