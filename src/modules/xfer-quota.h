/*
 * xfer-quota.h -- the pure half of the xfer module's quota accounting:
 * the reservation records kept in root's `.quota' file and the sum that
 * decides an upload (see xfer-store.c for the locking and the file
 * system walk, doc/xfer-protocol.md for the bound it keeps).  No I/O here, so
 * the unit tests can feed it torn and hostile records.
 */
#ifndef XFER_QUOTA_H
#define XFER_QUOTA_H

#include <stddef.h>
#include <stdint.h>

#include "xfer-proto.h"

#define XFER_QUOTA_FILE ".quota"

/* One upload in flight: it may grow `.part.NAME' up to `size' bytes. */
struct xfer_resv {
	char name[XFER_NAME_MAX + 1];
	uint64_t size;
};

/* The longest record line, "NAME SIZE\n". */
#define XFER_RESV_LINE (XFER_NAME_MAX + 1 + 19 + 1)

/*
 * Parse the records in buf[0..len): one `NAME SIZE\n' per line.  A line
 * that is not a record (a valid name, a number, the newline) is skipped,
 * so a torn or foreign file costs at most the lines it spoils.  Stores
 * at most max records in v and returns how many it stored.
 */
size_t xfer_resv_parse(const char *buf, size_t len, struct xfer_resv *v,
    size_t max);

/* An upper bound of the records in buf[0..len), to size v. */
size_t xfer_resv_count(const char *buf, size_t len);

/* Write v[0..n) as record lines into out (n * XFER_RESV_LINE bytes at
 * least); returns the length written. */
size_t xfer_resv_format(const struct xfer_resv *v, size_t n, char *out);

/* a + b, saturated at UINT64_MAX: sizes summed over a directory. */
uint64_t xfer_quota_add(uint64_t a, uint64_t b);

/* 1 if `need' more bytes on top of `used' stay within `max', else 0. */
int xfer_quota_fits(uint64_t used, uint64_t need, uint64_t max);

#endif /* XFER_QUOTA_H */
