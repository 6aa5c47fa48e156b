/*
 * conf-msg.c -- what a configuration load says, and the lines it names.
 *
 * Every error of a load is reported as `FILE:LINE: message' and loading
 * goes on, so that one run shows them all.  Messages are held back and
 * logged together by conf_msg_flush(), sorted by line: libConfuse's own
 * come during parsing, ours after it, and a reader wants them in the
 * order of the file.  libConfuse forgets where a value was written, so
 * conf_msg_note(), the validation callback of every option of pass 2,
 * records it: section, key and list index to line, and the line where
 * each service is defined (or redefined, an error).  Checks made after
 * parsing ask conf_msg_line() for the line to name.
 *
 * Those lines are lines of the text libConfuse parses, in which
 * conf-include.c has put the included files in place of their include
 * directives; conf_msg_file() records where each file's lines start, and
 * a message is logged naming the file and the line in it.
 *
 * The state is static, like the loader's: one load at a time, in the
 * master's main thread; conf_msg_reset() starts one.
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockservd.h"

/* Where a value was written: section, option, list index -> line. */
struct conf_line {
	cfg_t *sec;
	const char *opt;
	unsigned int idx;
	int line;
};

/* Where a service (by name) was defined, first and most recent time. */
struct conf_svcline {
	char *title;
	int first;
	int last;
};

/* From line `line' of the text on: file path, from its line fline on. */
struct conf_seg {
	int line;
	char *path;
	int fline;
};

/* A message held back so that all of them come out in line order. */
struct conf_msg {
	int line;
	size_t seq; /* order found, to sort stably */
	char *text;
};

static struct {
	const char *path;
	cfg_t *root;
	int errors;
	bool quiet;	  /* pass 1: say nothing */
	int unknown_line; /* last "unknown key" line */
	struct conf_line *lines;
	size_t nlines;
	struct conf_svcline *svcs;
	size_t nsvcs;
	unsigned int nservices;
	struct conf_msg *msgs;
	size_t nmsgs;
	struct conf_seg *segs;
	size_t nsegs;
} cx;

/* Forget the last load's lines and counts; messages now name path. */
void
conf_msg_reset(const char *path)
{
	size_t i;

	for (i = 0; i < cx.nsvcs; i++)
		free(cx.svcs[i].title);
	free(cx.svcs);
	free(cx.lines);
	for (i = 0; i < cx.nsegs; i++)
		free(cx.segs[i].path);
	free(cx.segs);
	memset(&cx, 0, sizeof(cx));
	cx.path = path;
}

/*
 * Pass 1 parses with a partial schema: what it finds wrong is pass 2's
 * to report, so it is neither said nor, once it is over, counted.
 */
void
conf_msg_quiet(bool quiet)
{
	cx.quiet = quiet;
	if (!quiet) {
		cx.errors = 0;
		cx.unknown_line = 0;
	}
}

/* The tree pass 2 parses into: its service sections are told apart. */
void
conf_msg_root(cfg_t *root)
{
	cx.root = root;
}

/* An error the caller has logged itself (a message naming the file). */
void
conf_msg_failed(void)
{
	cx.errors++;
}

int
conf_msg_errors(void)
{
	return cx.errors;
}

/* ---------------------------------------------------------------- files */

void
conf_msg_file(int line, const char *path, int fline)
{
	struct conf_seg *p;

	p = reallocarray(cx.segs, cx.nsegs + 1, sizeof(*p));
	if (p == NULL)
		return; /* the lines are named in the wrong file */
	cx.segs = p;
	if ((p[cx.nsegs].path = strdup(path)) == NULL)
		return;
	p[cx.nsegs].line = line;
	p[cx.nsegs++].fline = fline;
}

/* The file and its line of line `line' of the text. */
static const char *
conf_msg_locate(int line, int *fline)
{
	const struct conf_seg *sg = NULL;
	size_t i;

	for (i = 0; i < cx.nsegs && cx.segs[i].line <= line; i++)
		sg = &cx.segs[i];
	if (sg == NULL || line <= 0) {
		*fline = line;
		return cx.path;
	}
	*fline = sg->fline + (line - sg->line);
	return sg->path;
}

const char *
conf_msg_where(int at, int line)
{
	static char buf[PATH_MAX + 32];
	const char *file, *here;
	int fline, unused;

	file = conf_msg_locate(line, &fline);
	here = conf_msg_locate(at, &unused);
	if (strcmp(file, here) == 0)
		snprintf(buf, sizeof(buf), "line %d", fline);
	else
		snprintf(buf, sizeof(buf), "%s:%d", file, fline);
	return buf;
}

/* Log `FILE:LINE: text' for line `line' of the text; 0: the whole file. */
static void
conf_msg_log(int line, const char *text)
{
	const char *file;
	int fline;

	if (line <= 0) {
		log_warnx("%s: %s", cx.path, text);
		return;
	}
	file = conf_msg_locate(line, &fline);
	log_warnx("%s:%d: %s", file, fline, text);
}

/* ------------------------------------------------------------ reporting */

/*
 * Messages are collected and logged by conf_msg_flush(), sorted by line:
 * libConfuse's own come during parsing, ours after it, and a reader wants
 * them in the order of the file.
 */
static void
conf_vreport(bool error, int line, const char *fmt, va_list ap)
{
	struct conf_msg *p;
	char msg[1024];

	if (error)
		cx.errors++;
	if (cx.quiet)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	p = reallocarray(cx.msgs, cx.nmsgs + 1, sizeof(*p));
	if (p != NULL) {
		cx.msgs = p;
		p[cx.nmsgs].line = line;
		p[cx.nmsgs].seq = cx.nmsgs;
		if (asprintf(&p[cx.nmsgs].text, "%s%s",
			error ? "" : "warning: ", msg) != -1) {
			cx.nmsgs++;
			return;
		}
	}
	conf_msg_log(line, msg); /* out of memory */
}

/* Line order; messages about the whole file (line 0) last. */
static int
conf_msg_cmp(const void *a, const void *b)
{
	const struct conf_msg *x = a, *y = b;
	unsigned int lx = (unsigned int)x->line - 1;
	unsigned int ly = (unsigned int)y->line - 1;

	if (lx != ly)
		return lx < ly ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
conf_msg_flush(void)
{
	size_t i;

	if (cx.nmsgs > 1)
		qsort(cx.msgs, cx.nmsgs, sizeof(*cx.msgs), conf_msg_cmp);
	for (i = 0; i < cx.nmsgs; i++) {
		conf_msg_log(cx.msgs[i].line, cx.msgs[i].text);
		free(cx.msgs[i].text);
	}
	free(cx.msgs);
	cx.msgs = NULL;
	cx.nmsgs = 0;
}

void
conf_msg_error(int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_vreport(true, line, fmt, ap);
	va_end(ap);
}

void
conf_msg_warning(int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_vreport(false, line, fmt, ap);
	va_end(ap);
}

/*
 * libConfuse's errors, and the modules' (cfg_error in a check hook).  An
 * unknown key is reworded to say where it was found; the complaints that
 * follow it on the same line are its consequences and are dropped.
 */
static void
conf_cfg_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[1024], key[256];
	const char *name = cfg != NULL ? cfg->name : NULL;
	int line = cfg != NULL ? cfg->line : 0;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (sscanf(msg, "no such option '%255[^']'", key) == 1) {
		cx.unknown_line = line;
		if (name == NULL || strcmp(name, "root") == 0)
			conf_msg_error(line, "unknown key '%s'", key);
		else if (strcmp(name, "service") == 0)
			conf_msg_error(line, "unknown key '%s' in service %s",
			    key, cfg->title ? cfg->title : "");
		else
			conf_msg_error(line,
			    "unknown option '%s' for module %s", key, name);
		return;
	}
	if (line == cx.unknown_line && line > 0) {
		cx.errors++;
		return;
	}
	conf_msg_error(line, "%s", msg);
}

/*
 * Parse the file's text, read once (so both passes see the same bytes),
 * naming it by its path in libConfuse's messages, which come here.
 */
int
conf_msg_parse(cfg_t *cfg, const char *buf, size_t len)
{
	static char empty[] = "\n"; /* fmemopen wants a size > 0 */
	FILE *fp;
	int rc;

	cfg_set_error_function(cfg, conf_cfg_error);
	free(cfg->filename);
	if ((cfg->filename = strdup(cx.path)) == NULL)
		return CFG_PARSE_ERROR;
	if (len == 0)
		fp = fmemopen(empty, 1, "r");
	else
		fp = fmemopen((void *)(uintptr_t)buf, len, "r");
	if (fp == NULL)
		return CFG_PARSE_ERROR;
	rc = cfg_parse_fp(cfg, fp);
	fclose(fp);
	return rc;
}

/* ----------------------------------------------------------- line table */

static int
conf_line_find(cfg_t *sec, const char *opt, unsigned int idx)
{
	size_t i;

	for (i = 0; i < cx.nlines; i++)
		if (cx.lines[i].sec == sec && cx.lines[i].idx == idx &&
		    strcmp(cx.lines[i].opt, opt) == 0)
			return (int)i;
	return -1;
}

static void
conf_line_set(cfg_t *sec, const char *opt, unsigned int idx, int line)
{
	struct conf_line *p;
	int i;

	if ((i = conf_line_find(sec, opt, idx)) != -1) {
		cx.lines[i].line = line;
		return;
	}
	p = reallocarray(cx.lines, cx.nlines + 1, sizeof(*p));
	if (p == NULL)
		return; /* only a line number is lost */
	cx.lines = p;
	p[cx.nlines++] = (struct conf_line){sec, opt, idx, line};
}

/* The line of a value, or 0 if it was not written in the file. */
int
conf_msg_line(cfg_t *sec, const char *opt, unsigned int idx)
{
	int i = conf_line_find(sec, opt, idx);

	return i == -1 ? 0 : cx.lines[i].line;
}

/* The line of a key, or fallback if it was not written in the file. */
int
conf_msg_line_or(cfg_t *sec, const char *opt, int fallback)
{
	int line = conf_msg_line(sec, opt, 0);

	return line > 0 ? line : fallback;
}

/* The first line recorded inside sec, or 0. */
static int
conf_line_first(cfg_t *sec)
{
	size_t i;
	int min = 0;

	for (i = 0; i < cx.nlines; i++)
		if (cx.lines[i].sec == sec &&
		    (min == 0 || cx.lines[i].line < min))
			min = cx.lines[i].line;
	return min;
}

static struct conf_svcline *
conf_svc_find(const char *title)
{
	size_t i;

	for (i = 0; i < cx.nsvcs; i++)
		if (strcmp(cx.svcs[i].title, title) == 0)
			return &cx.svcs[i];
	return NULL;
}

/* Where the service titled title was first defined, else fallback. */
int
conf_msg_service_line(const char *title, int fallback)
{
	struct conf_svcline *sl = conf_svc_find(title);

	return sl != NULL ? sl->first : fallback;
}

/*
 * While a service's body is parsed the root's line still points at the
 * service's opening line: that is where the service is defined.
 */
static void
conf_svc_note(const char *title, int line)
{
	struct conf_svcline *s, *p;

	if ((s = conf_svc_find(title)) != NULL) {
		s->last = line;
		return;
	}
	p = reallocarray(cx.svcs, cx.nsvcs + 1, sizeof(*p));
	if (p == NULL)
		return;
	cx.svcs = p;
	p[cx.nsvcs].title = strdup(title);
	if (p[cx.nsvcs].title == NULL)
		return;
	p[cx.nsvcs].first = p[cx.nsvcs].last = line;
	cx.nsvcs++;
}

/* A service section just ended: the list did not grow for a duplicate. */
static void
conf_svc_closed(cfg_t *root, cfg_opt_t *opt)
{
	struct conf_svcline *s;
	unsigned int i, n = cfg_opt_size(opt);
	cfg_t *sec;
	int line;

	if (n > cx.nservices) {
		cx.nservices = n;
		return;
	}
	for (i = 0; i < n; i++) {
		sec = cfg_opt_getnsec(opt, i);
		if (sec->line != root->line)
			continue;
		s = conf_svc_find(sec->title);
		line = s != NULL && s->last != s->first ? s->last : root->line;
		conf_msg_error(line,
		    "duplicate service %s (first defined at %s)", sec->title,
		    conf_msg_where(line, s != NULL ? s->first : 0));
		return;
	}
}

/* Validation callback on every option: records where values are. */
int
conf_msg_note(cfg_t *cfg, cfg_opt_t *opt)
{
	unsigned int n = cfg_opt_size(opt), i;
	int first;

	if (cfg != cx.root && strcmp(cfg->name, "service") == 0 &&
	    cfg->title != NULL)
		conf_svc_note(cfg->title, cx.root->line);
	if (opt->type == CFGT_SEC) {
		if (cfg == cx.root && strcmp(opt->name, "service") == 0) {
			conf_svc_closed(cfg, opt);
			return 0;
		}
		first = conf_line_first(cfg_opt_getnsec(opt, 0));
		conf_line_set(cfg, opt->name, 0, first ? first : cfg->line);
		return 0;
	}
	if (!(opt->flags & CFGF_LIST) || n <= 1) {
		/* A fresh value: forget the lines of an older list. */
		for (i = 0; i < cx.nlines; i++)
			if (cx.lines[i].sec == cfg && cx.lines[i].idx > 0 &&
			    strcmp(cx.lines[i].opt, opt->name) == 0)
				cx.lines[i].sec = NULL;
		conf_line_set(cfg, opt->name, 0, cfg->line);
	} else if (conf_line_find(cfg, opt->name, n - 1) == -1)
		conf_line_set(cfg, opt->name, n - 1, cfg->line);
	return 0;
}
