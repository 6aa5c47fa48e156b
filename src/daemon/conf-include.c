/*
 * conf-include.c -- the text a configuration load parses: the file, with
 * every `include "PATTERN"' replaced by the files it names.
 *
 * libConfuse has an include of its own (the `include' function), but it
 * opens the file itself: nothing would check that the file may be
 * trusted, scan it (conf-scan.c) or blank its comments, which its lexer
 * miscounts, and its messages would name the lines of a text that is no
 * file.  So includes are expanded here, before both passes, into one
 * text: each file is read whole once it is trusted (trust.c, as the main
 * file), scanned on its own -- a block or string opened in a file closes
 * in it -- and put in place of its directive on lines of its own, while
 * conf_msg_file() learns where each file's lines start, so every message
 * names the file and its line.
 *
 * PATTERN is a path or a glob(3) pattern; a relative one is relative to
 * the directory of the file that includes it.  A glob that matches
 * nothing includes nothing (a conf.d directory may be empty); a plain
 * path must exist.  Matches are taken in sorted order.  A file that
 * includes a file it is itself included from (by device and inode) is a
 * loop, an error at the directive; so is nesting deeper than INC_DEPTH.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockservd.h"

#define CONF_MAXSIZE (1024 * 1024)	 /* a config file larger is a mistake */
#define INC_MAXTEXT  (16 * CONF_MAXSIZE) /* and all of them together */
#define INC_DEPTH    16			 /* files open inside each other */

static struct {
	char *text; /* what was put together so far */
	size_t len, cap;
	int line; /* the line of the text at its end */
	struct {
		dev_t dev;
		ino_t ino;
	} open[INC_DEPTH + 1]; /* the files being read, outermost first */
	int depth;
} ix;

static int inc_file(const char *path, int at);

/* Append n bytes of s, with its comments and directives blanked already. */
static int
inc_append(const char *s, size_t n)
{
	char *p;
	size_t cap;

	if (ix.len + n + 1 > ix.cap) {
		if (ix.len + n + 1 > INC_MAXTEXT) {
			errno = EFBIG;
			return -1;
		}
		cap = ix.cap == 0 ? 4096 : ix.cap;
		while (cap < ix.len + n + 1)
			cap *= 2;
		if ((p = realloc(ix.text, cap)) == NULL)
			return -1;
		ix.text = p;
		ix.cap = cap;
	}
	memcpy(ix.text + ix.len, s, n);
	ix.len += n;
	ix.text[ix.len] = '\0';
	for (; n > 0; n--)
		ix.line += *s++ == '\n';
	return 0;
}

/*
 * Read path whole once it may be trusted; st is what was read.  Errors
 * name the file and are reported at `at', the line of the directive that
 * includes it (0: the configuration file itself).
 */
static char *
inc_read(const char *path, int at, struct stat *st, size_t *lenp)
{
	char err[512], *buf = NULL;
	const char *why = NULL;
	ssize_t n;
	size_t len = 0;
	int fd;

	/* Not blocking: a FIFO put in a conf.d must not hang a reload. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		goto fail;
	if (trust_strict() &&
	    trust_check_file(fd, path, false, err, sizeof(err)) == -1) {
		if (at == 0) {
			log_warnx("%s", err);
			conf_msg_failed();
		} else
			conf_msg_error(at, "include: %s", err);
		close(fd);
		return NULL;
	}
	if (fstat(fd, st) == -1)
		goto fail;
	if (!S_ISREG(st->st_mode)) {
		why = "not a regular file";
		goto fail;
	}
	if (st->st_size > CONF_MAXSIZE) {
		errno = EFBIG;
		goto fail;
	}
	if ((buf = malloc((size_t)st->st_size + 1)) == NULL)
		goto fail;
	while (len < (size_t)st->st_size &&
	    (n = read(fd, buf + len, (size_t)st->st_size - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*lenp = len;
	return buf;
fail:
	if (why == NULL)
		why = strerror(errno);
	if (at == 0)
		conf_msg_error(0, "%s", why);
	else
		conf_msg_error(at, "include %s: %s", path, why);
	free(buf);
	if (fd != -1)
		close(fd);
	return NULL;
}

/*
 * PATTERN as the file `from' means it: relative to from's directory,
 * whose name is escaped for glob(3) when escape is set.
 */
static int
inc_resolve(const char *from, const char *pat, size_t len, bool escape,
    char *out, size_t outlen)
{
	const char *slash = strrchr(from, '/');
	size_t n = 0, i;

	if (pat[0] != '/' && slash != NULL) {
		for (i = 0; from + i <= slash && n + 2 < outlen; i++) {
			if (escape && strchr("*?[\\", from[i]) != NULL)
				out[n++] = '\\';
			out[n++] = from[i];
		}
	}
	if (n + len + 1 > outlen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(out + n, pat, len);
	out[n + len] = '\0';
	return 0;
}

/*
 * The files of one directive of file `from', at line `at' of the text:
 * each on lines of its own.
 */
static int
inc_directive(const char *from, const char *pat, size_t len, int at)
{
	char path[PATH_MAX];
	glob_t g;
	size_t i;
	bool magic = false;
	int rc;

	for (i = 0; i < len; i++)
		magic = magic || strchr("*?[", pat[i]) != NULL;
	if (len == 0) {
		conf_msg_error(at, "include: empty pattern");
		return 0;
	}
	if (inc_resolve(from, pat, len, magic, path, sizeof(path)) == -1) {
		conf_msg_error(at, "include %.*s: %s", (int)len, pat,
		    strerror(errno));
		return 0;
	}
	if (!magic)
		return inc_append("\n", 1) == -1 ? -1 : inc_file(path, at);
	switch (glob(path, 0, NULL, &g)) {
	case 0:
		break;
	case GLOB_NOMATCH:
		return 0; /* an empty conf.d */
	default:
		conf_msg_error(at, "include %s: cannot expand", path);
		return 0;
	}
	rc = 0;
	for (i = 0; i < g.gl_pathc && rc == 0; i++)
		if ((rc = inc_append("\n", 1)) == 0)
			rc = inc_file(g.gl_pathv[i], at);
	globfree(&g);
	return rc;
}

/* Is the file st already open, one of those that include this one? */
static bool
inc_looping(const struct stat *st)
{
	int i;

	for (i = 0; i < ix.depth; i++)
		if (ix.open[i].dev == st->st_dev &&
		    ix.open[i].ino == st->st_ino)
			return true;
	return false;
}

/* path's text and its directives', in place; -1 if it cannot go on. */
static int
inc_expand(const char *path, char *buf, size_t len)
{
	struct conf_scan_include *incs = NULL, *d;
	char err[256];
	size_t nincs = 0, pos = 0, i;
	int line, at, rc = 0;

	conf_msg_file(ix.line, path, 1);
	/* libConfuse would misread what fails the scan: say only that. */
	if (conf_scan(buf, len, &incs, &nincs, &line, err, sizeof(err)) == -1) {
		conf_msg_error(ix.line + line - 1, "%s", err);
		return -1;
	}
	for (i = 0; i < nincs && rc == 0; i++) {
		d = &incs[i];
		if ((rc = inc_append(buf + pos, d->end - pos)) == -1)
			break;
		/* The directive is libConfuse's to skip, its lines kept. */
		for (pos = ix.len - (d->end - d->start); pos < ix.len; pos++)
			if (ix.text[pos] != '\n')
				ix.text[pos] = ' ';
		pos = d->end;
		at = ix.line;
		if ((rc = inc_directive(path, buf + d->pattern, d->len, at)) ==
			0 &&
		    (rc = inc_append("\n", 1)) == 0)
			conf_msg_file(ix.line, path, d->line);
	}
	if (rc == 0)
		rc = inc_append(buf + pos, len - pos);
	free(incs);
	return rc;
}

/* The file at path, included at line `at' of the text (0: the main one). */
static int
inc_file(const char *path, int at)
{
	struct stat st;
	char *buf;
	size_t len;
	int rc;

	if (ix.depth > INC_DEPTH) {
		conf_msg_error(at, "include %s: nested more than %d deep", path,
		    INC_DEPTH);
		return 0;
	}
	if ((buf = inc_read(path, at, &st, &len)) == NULL)
		return 0;
	if (inc_looping(&st)) {
		conf_msg_error(at, "include %s: loop (it includes this file)",
		    path);
		free(buf);
		return 0;
	}
	ix.open[ix.depth].dev = st.st_dev;
	ix.open[ix.depth++].ino = st.st_ino;
	rc = inc_expand(path, buf, len);
	ix.depth--;
	free(buf);
	return rc;
}

char *
conf_include_text(const char *path, size_t *lenp)
{
	char *text;
	int before = conf_msg_errors(), rc;

	memset(&ix, 0, sizeof(ix));
	ix.line = 1;
	if ((rc = inc_append("", 0)) == 0)
		rc = inc_file(path, 0);
	if (rc == -1 && errno != 0 && conf_msg_errors() == before)
		conf_msg_error(0, "%s", strerror(errno));
	text = ix.text;
	*lenp = ix.len;
	if (rc == -1 || conf_msg_errors() > before) {
		free(text);
		text = NULL;
	}
	memset(&ix, 0, sizeof(ix));
	return text;
}
