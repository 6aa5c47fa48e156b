/*
 * xfer-proto.h -- the xfer line protocol, shared by the xfer module, the
 * sockserv-xfer client and the fuzzers: limits, error codes, the request
 * and reply parsers (pure functions: no I/O, no allocation, no globals
 * written) and the CRC-32 both ends compute, of a buffer or of a file's
 * first bytes.  doc/xfer-protocol.md is the normative description; keep
 * the two in step.
 */
#ifndef XFER_PROTO_H
#define XFER_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define XFER_LINE_MAX	 512 /* a request or reply line, newline included */
#define XFER_NAME_MAX	 240 /* so that ".part." NAME fits NAME_MAX (255) */
#define XFER_SIZE_MAX	 INT64_MAX
#define XFER_PART_PREFIX ".part."

/* Error codes, the number in `err CODE TEXT'. */
#define XFER_E_BADREQ  400 /* unknown command, wrong arguments */
#define XFER_E_BADNUM  401 /* SIZE or OFFSET not a decimal in range */
#define XFER_E_BADNAME 402 /* NAME breaks the name rules */
#define XFER_E_TOOLONG 403 /* line longer than XFER_LINE_MAX */
#define XFER_E_NOENT   404 /* no such complete file */
#define XFER_E_BUSY    409 /* another upload of NAME is in progress */
#define XFER_E_FBIG    413 /* SIZE over max_file_size */
#define XFER_E_RANGE   416 /* OFFSET beyond the end of the file */
#define XFER_E_IO      500 /* server-side I/O error */
#define XFER_E_QUOTA   507 /* the upload would pass max_total_size */

enum xfer_cmd { XFER_PUT, XFER_GET, XFER_LIST, XFER_QUIT };

struct xfer_req {
	enum xfer_cmd cmd;
	char name[XFER_NAME_MAX + 1]; /* PUT, GET */
	uint64_t num;		      /* PUT: SIZE, GET: OFFSET */
};

/*
 * Parse one request line (without its `\n'; a trailing `\r' is allowed).
 * `line' need not be NUL-terminated and may contain any byte.  Returns 0
 * and fills req, or an XFER_E_* code.
 */
int xfer_parse_request(const char *line, size_t len, struct xfer_req *req);

/* 1 if name[0..len) is a valid file name (see the protocol), else 0. */
int xfer_name_valid(const char *name, size_t len);

/* Parse a decimal in [0, XFER_SIZE_MAX]; 0 on success, -1 otherwise. */
int xfer_parse_num(const char *s, size_t len, uint64_t *out);

/*
 * A reply: `ok' with up to three space-separated fields, or `err CODE
 * TEXT'.  The fields are kept as text (pointers into the caller's line,
 * with lengths); xfer_parse_num/xfer_parse_crc convert them.
 */
struct xfer_reply {
	int ok;		  /* 1: ok, 0: err */
	int code;	  /* err: the code */
	const char *text; /* err: the text (not terminated) */
	size_t textlen;
	int nfield;
	const char *field[3];
	size_t fieldlen[3];
};

/* Parse one reply line (without `\n').  0 on success, -1 if malformed. */
int xfer_parse_reply(const char *line, size_t len, struct xfer_reply *rep);

/* Parse 8 lower-case hex digits. 0 on success, -1 otherwise. */
int xfer_parse_crc(const char *s, size_t len, uint32_t *out);

/*
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320): zlib's crc32.
 * Start with crc = 0 and feed the data in pieces.
 */
uint32_t xfer_crc32(uint32_t crc, const void *buf, size_t len);

/*
 * The CRC-32 of the first `size' bytes of fd into *crc, read with
 * pread(2) through buf[bufsz].  0, or -1 with errno set: ENODATA if the
 * file holds fewer bytes (it shrank), else pread's.
 */
int xfer_file_crc(int fd, uint64_t size, uint32_t *crc, void *buf,
    size_t bufsz);

/* The text for a code, for error lines. */
const char *xfer_strerror(int code);

#endif /* XFER_PROTO_H */
