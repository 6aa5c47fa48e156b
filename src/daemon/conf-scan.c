/*
 * conf-scan.c -- a look at the configuration's bytes before libConfuse
 * parses them, for the mistakes its lexer takes silently or reports far
 * from their cause.
 *
 * libConfuse 3.3 truncates a string at a NUL byte (raw, or written as
 * \0 or \x00) and says nothing; lets a double-quoted string run over
 * lines, so a missing quote pairs with the next string's and the error
 * surfaces lines later as an unknown key; ends the file quietly inside an
 * unterminated comment or block; and reports a block left open before
 * another as an unknown key in it.  This scan follows the lexer's rules
 * (lexer.l: # and // to the end of the line, C comments, double- and
 * single-quoted strings with their escapes, ${VAR}, unquoted words) just
 * far enough to find those, and names the line where each begins.  A
 * string must end on its line (a backslash at the end of a line
 * continues it); the daemon has no value that spans lines.
 *
 * It also blanks the comments out, newlines kept, before libConfuse sees
 * them: its lexer counts two lines too many for every comment, so every
 * later FILE:LINE was wrong, and its parser takes a comment inside a list
 * for an unexpected token.
 *
 * And it finds the `include "PATTERN"' directives (conf-include.c
 * replaces them): the word include where a key may stand, followed by a
 * quoted string that is not a block's title.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockservd.h"

#define SCAN_DEPTH	32 /* nested blocks and lists; ours go 3 deep */
#define SCAN_NAME	64 /* bytes of a name quoted in a message */
#define SCAN_WORD(kind) ((kind) == 'w' || (kind) == 's') /* or a string */

/* The last tokens seen, to name a block: `service echo {', `listen = {'. */
struct scan_tok {
	char kind; /* 'w' word, 's' string, '=' (or +=), 'o' other, 0 none */
	const char *s;
	int len;
};

struct scan {
	char *p, *end;
	int line;
	struct scan_tok tok[3]; /* tok[0] the latest */
	struct {
		int line;
		bool list; /* holds values only */
		char name[2 * SCAN_NAME + 16];
	} open[SCAN_DEPTH];
	int depth;
	int errline;
	char *err;
	size_t errlen;
	char *text;
	struct conf_scan_include pend; /* an include, unless a `{' follows */
	bool pending;
	struct conf_scan_include *incs;
	size_t nincs;
};

static int __attribute__((format(printf, 3, 4)))
scan_fail(struct scan *sc, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sc->err, sc->errlen, fmt, ap);
	va_end(ap);
	sc->errline = line;
	return -1;
}

/* The include pending is one: keep it (on no memory, fail the scan). */
static void
scan_include_keep(struct scan *sc)
{
	struct conf_scan_include *p;

	sc->pending = false;
	p = reallocarray(sc->incs, sc->nincs + 1, sizeof(*p));
	if (p == NULL) {
		scan_fail(sc, sc->pend.line, "out of memory");
		return;
	}
	sc->incs = p;
	p[sc->nincs++] = sc->pend;
}

static void
scan_push(struct scan *sc, char kind, const char *s, size_t len)
{
	if (sc->pending && kind == 'o' && *s == '{')
		sc->pending = false; /* a block titled: `include "x" {' */
	else if (sc->pending)
		scan_include_keep(sc);
	memmove(&sc->tok[1], &sc->tok[0], 2 * sizeof(sc->tok[0]));
	sc->tok[0].kind = kind;
	sc->tok[0].s = s;
	sc->tok[0].len = len > SCAN_NAME ? SCAN_NAME : (int)len;
}

/* Skip to just after the first c at or after from; count the lines. */
static bool
scan_skip_past(struct scan *sc, const char *from, const char *c)
{
	char *q = memmem(from, (size_t)(sc->end - from), c, strlen(c));
	const char *s;

	if (q == NULL)
		return false;
	for (s = sc->p; s < q; s++)
		if (*s == '\n')
			sc->line++;
	sc->p = q + strlen(c);
	return true;
}

/* Does the text at sc->p start with s? */
static bool
scan_at(const struct scan *sc, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(sc->end - sc->p) >= n && memcmp(sc->p, s, n) == 0;
}

/*
 * \0, \00, \000, \x0 and \x00 put a NUL in a double-quoted string: the
 * length of such an escape after its backslash at p, else 0.
 */
static size_t
scan_nul_escape(const char *p, const char *end)
{
	size_t n = 0, zeros = 0;

	if (p < end && *p == 'x') {
		while (p + 1 + n < end && n < 2 &&
		    strchr("0123456789abcdefABCDEF", p[1 + n]) != NULL)
			zeros += p[1 + n++] == '0';
		return n > 0 && zeros == n ? n + 1 : 0;
	}
	/* Four digits, or an 8 or a 9, make a bad escape instead. */
	while (p + n < end && p[n] >= '0' && p[n] <= '9')
		zeros += p[n++] == '0';
	return n > 0 && n <= 3 && zeros == n ? n : 0;
}

static int
scan_string(struct scan *sc)
{
	const char q = *sc->p;
	const char *start = ++sc->p;
	int line = sc->line;
	size_t n;

	while (sc->p < sc->end && *sc->p != q && *sc->p != '\n') {
		if (q == '"' && scan_at(sc, "${") &&
		    scan_skip_past(sc, sc->p, "}"))
			continue;
		if (*sc->p != '\\') {
			sc->p++;
			continue;
		}
		if (sc->p + 1 == sc->end)
			break;
		if (q == '"' && (n = scan_nul_escape(sc->p + 1, sc->end)) > 0)
			return scan_fail(sc, sc->line,
			    "NUL byte in a string (%.*s)", (int)n + 1, sc->p);
		if (sc->p[1] == '\n')
			sc->line++; /* a backslash continues the string */
		sc->p += 2;
	}
	if (sc->p == sc->end || *sc->p != q)
		return scan_fail(sc, line,
		    "unterminated string starting at line %d", line);
	scan_push(sc, 's', start, (size_t)(sc->p - start));
	sc->p++;
	/* `include "PATTERN"' where a key may stand: not a value, a title. */
	if (sc->tok[1].kind == 'w' && sc->tok[1].len == 7 &&
	    memcmp(sc->tok[1].s, "include", 7) == 0 && sc->tok[2].kind != '=' &&
	    (sc->depth == 0 || !sc->open[sc->depth - 1].list)) {
		sc->pend.start = (size_t)(sc->tok[1].s - sc->text);
		sc->pend.end = (size_t)(sc->p - sc->text);
		sc->pend.pattern = (size_t)(start - sc->text);
		sc->pend.len = (size_t)(sc->p - 1 - start);
		sc->pend.line = sc->line;
		sc->pending = true;
	}
	return sc->errline == 0 ? 0 : -1;
}

/* What opens here, for a message: block 'service echo', list 'listen'. */
static int
scan_open(struct scan *sc)
{
	const struct scan_tok *t = sc->tok;
	char *name = sc->open[sc->depth].name;
	size_t len = sizeof(sc->open[0].name);

	if (sc->depth == SCAN_DEPTH)
		return scan_fail(sc, sc->line,
		    "blocks nested more than %d deep", SCAN_DEPTH);
	sc->open[sc->depth].line = sc->line;
	sc->open[sc->depth].list = t[0].kind == '=';
	if (t[0].kind == '=' && SCAN_WORD(t[1].kind))
		snprintf(name, len, "list '%.*s'", t[1].len, t[1].s);
	else if (t[0].kind == '=')
		snprintf(name, len, "list");
	else if (SCAN_WORD(t[0].kind) && SCAN_WORD(t[1].kind) &&
	    t[2].kind != '=')
		snprintf(name, len, "block '%.*s %.*s'", t[1].len, t[1].s,
		    t[0].len, t[0].s);
	else if (SCAN_WORD(t[0].kind))
		snprintf(name, len, "block '%.*s'", t[0].len, t[0].s);
	else
		snprintf(name, len, "block");
	sc->depth++;
	return 0;
}

/* Length of the unquoted word at p (lexer.l: `//' and `/ *' end one). */
static size_t
scan_word(const char *p, const char *end)
{
	const char *s = p;

	for (; s < end && strchr(" #\"'\t\n\r={}()+,*", *s) == NULL; s++)
		if (*s == '/' && (s + 1 == end || s[1] == '/' || s[1] == '*'))
			break;
	return (size_t)(s - p);
}

static int
scan_unclosed(struct scan *sc)
{
	int i = sc->depth - 1;

	return scan_fail(sc, sc->open[i].line,
	    "%s opened at line %d is not closed", sc->open[i].name,
	    sc->open[i].line);
}

/* A character that is no word, string or comment. */
static int
scan_char(struct scan *sc)
{
	const char *p = sc->p++;

	/* In a list, `=' or `{' means that the list was left open. */
	if ((*p == '=' || *p == '{' || (*p == '+' && scan_at(sc, "="))) &&
	    sc->depth > 0 && sc->open[sc->depth - 1].list)
		return scan_unclosed(sc);
	switch (*p) {
	case '\n':
		sc->line++;
		break;
	case ' ':
	case '\t':
	case '\r':
		break;
	case '{':
		if (scan_open(sc) == -1)
			return -1;
		scan_push(sc, 'o', p, 1);
		break;
	case '}':
		if (sc->depth > 0) /* one too many is libConfuse's to report */
			sc->depth--;
		scan_push(sc, 'o', p, 1);
		break;
	case '+':
		if (!scan_at(sc, "=")) {
			scan_push(sc, 'o', p, 1);
			break;
		}
		sc->p++;
		/* FALLTHROUGH */
	case '=':
		scan_push(sc, '=', p, 1);
		break;
	default:
		scan_push(sc, 'o', p, 1);
	}
	return 0;
}

/* Blank a comment out, keeping its newlines. */
static void
scan_blank(char *from, const char *to)
{
	for (; from < to; from++)
		if (*from != '\n')
			*from = ' ';
}

/* One token or comment at sc->p; -1 on a mistake. */
static int
scan_next(struct scan *sc)
{
	char *p = sc->p, *nl;
	int line = sc->line;
	size_t n;

	if (*p == '"' || *p == '\'')
		return scan_string(sc);
	if (*p == '#' || scan_at(sc, "//")) {
		nl = memchr(p, '\n', (size_t)(sc->end - p));
		sc->p = nl != NULL ? nl : sc->end;
		scan_blank(p, sc->p);
		return 0;
	}
	if (scan_at(sc, "/*")) {
		if (!scan_skip_past(sc, p + 2, "*/"))
			return scan_fail(sc, line,
			    "unterminated comment starting at line %d", line);
		scan_blank(p, sc->p);
		return 0;
	}
	if (scan_at(sc, "${") && scan_skip_past(sc, p, "}")) {
		scan_push(sc, 'w', p, (size_t)(sc->p - p));
		return 0;
	}
	if ((n = scan_word(p, sc->end)) > 0) {
		scan_push(sc, 'w', p, n);
		sc->p += n;
		return 0;
	}
	return scan_char(sc);
}

/*
 * Check the text of a configuration file before it is parsed, and blank
 * its comments out.  Returns 0 with its include directives in *incs (to
 * free) and *nincs, or -1 with the line of the first mistake in *line and
 * a message in err.
 */
int
conf_scan(char *buf, size_t len, struct conf_scan_include **incs, size_t *nincs,
    int *line, char *err, size_t errlen)
{
	struct scan sc = {.p = buf, .end = buf + len, .line = 1};
	const char *nul, *s;

	sc.err = err;
	sc.errlen = errlen;
	sc.text = buf;
	if ((nul = memchr(buf, '\0', len)) != NULL) {
		for (s = buf; s < nul; s++)
			sc.line += *s == '\n';
		scan_fail(&sc, sc.line,
		    "NUL byte: a configuration file is text");
	} else {
		while (sc.p < sc.end && scan_next(&sc) == 0)
			;
		if (sc.errline == 0 && sc.pending)
			scan_include_keep(&sc);
		if (sc.errline == 0 && sc.depth > 0)
			scan_unclosed(&sc);
	}
	*line = sc.errline;
	if (sc.errline != 0) {
		free(sc.incs);
		return -1;
	}
	*incs = sc.incs;
	*nincs = sc.nincs;
	return 0;
}
