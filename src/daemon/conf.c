/*
 * conf.c -- the configuration: parse, validate and build, with no side
 * effects.
 *
 * conf_load() turns sockserv.conf(5) into a complete struct conf: every
 * key type- and range-checked, user and group names resolved, addresses
 * and CIDR prefixes parsed, modules loaded and their option blocks
 * checked.  It binds nothing and changes no global state beyond loading
 * modules, so `sockservd -t', start-up and SIGHUP all call it alike and
 * only apply a result that is whole.  Every error is logged once as
 * `FILE:LINE: message' and loading goes on, so one run shows them all.
 *
 * The syntax is libConfuse's.  Two things shape this file:
 *
 * 1. A service's module declares the options of its `NAME { }' block, so
 *    the schema is only known once the modules are loaded.  Pass 1 parses
 *    with a minimal schema that ignores unknown keys and learns each
 *    service's `module'; the modules are loaded; pass 2 parses with the
 *    full schema, in which a service accepts the block of every loaded
 *    module (a block for a module the service does not use is then an
 *    error of ours).  libConfuse 3.3 cannot skip an unknown block and go
 *    on, so pass 1 also declares an empty, ignored block for each module
 *    file it can see in the module directory.
 *
 * 2. libConfuse stops at the first error of its own.  To go on, pass 2
 *    runs with CFGF_KEYSTRVAL (an unknown `key = value' is reported and
 *    kept aside rather than fatal), integers and booleans are parsed by
 *    our callbacks (a bad value is reported and replaced by the default),
 *    and every value's line is recorded by a validation callback so that
 *    checks made after parsing still name FILE:LINE.  A real syntax error
 *    stops the file, which is reported and is enough.
 *
 * Before either pass, conf_scan() (conf-scan.c) checks the text for what
 * libConfuse would misread or report far from its cause -- a NUL byte, a
 * string, comment, block or list left open -- and blanks the comments
 * out, so that libConfuse's line numbers are right.
 *
 * The parse context is static: conf_load runs in the master's main thread,
 * one load at a time.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "sockservd.h"

#ifndef PKGLIBDIR
#define PKGLIBDIR "/usr/local/lib/sockserv"
#endif
#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif

#define CONF_MAXSIZE (1024 * 1024) /* a config file larger is a mistake */
#define CONF_MAXCAND 128	   /* pass-1 block names */
#define CONF_PASSES  3		   /* rounds of pass 1 (block names) */
#define CONF_FORK_AHEAD 0	   /* fork mode spares, see sockserv.conf(5) */

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

/* A message held back so that all of them come out in line order. */
struct conf_msg {
	int line;
	size_t seq; /* order found, to sort stably */
	char *text;
};

/* A module file loaded for this load, shared by its services. */
struct conf_mod {
	char *ref;	  /* `module' as written */
	char *path;	  /* resolved */
	struct module *m; /* NULL: failed, see err */
	char err[512];
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
	struct conf_mod *mods;
	size_t nmods;
	char *cand[CONF_MAXCAND];
	size_t ncand;
	struct conf_msg *msgs;
	size_t nmsgs;
} cx;

/*
 * A configuration key: its type, default and range, and where its value
 * goes -- a field of struct conf (global keys) or struct service at `at',
 * and/or a handler that builds it.
 */
enum conf_key_type {
	CONF_KEY_INT,	/* long in the file, an int at `at', min to max */
	CONF_KEY_BOOL,	/* a bool at `at' */
	CONF_KEY_PATH,	/* an absolute path, strdup()ed to a char * at `at' */
	CONF_KEY_STR,	/* a string: built by its handler, if any */
	CONF_KEY_LIST	/* a list of strings: built by its handler */
};

struct conf_key {
	const char *name;
	enum conf_key_type type;
	long def;	  /* INT, BOOL */
	const char *sdef; /* PATH, STR */
	long min;	  /* INT */
	long max;
	size_t at; /* offset in struct conf or struct service */
	/* After the copy; svc is NULL for a global key. */
	void (*fn)(struct conf *conf, struct service *svc, cfg_t *sec,
	    const struct conf_key *k);
};

static const char *const conf_modes[] = {
    [MODE_FORK] = "fork",
    [MODE_PREFORK] = "prefork",
    [MODE_THREAD] = "thread",
    [MODE_SYNC] = "sync",
};

/* ------------------------------------------------------------ reporting */

/*
 * Messages are collected and logged by conf_flush(), sorted by line:
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
	log_warnx("%s:%d: %s", cx.path, line, msg); /* out of memory */
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

static void
conf_flush(void)
{
	size_t i;

	if (cx.nmsgs > 1)
		qsort(cx.msgs, cx.nmsgs, sizeof(*cx.msgs), conf_msg_cmp);
	for (i = 0; i < cx.nmsgs; i++) {
		if (cx.msgs[i].line > 0)
			log_warnx("%s:%d: %s", cx.path, cx.msgs[i].line,
			    cx.msgs[i].text);
		else
			log_warnx("%s: %s", cx.path, cx.msgs[i].text);
		free(cx.msgs[i].text);
	}
	free(cx.msgs);
	cx.msgs = NULL;
	cx.nmsgs = 0;
}

static void __attribute__((format(printf, 2, 3)))
conf_error(int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_vreport(true, line, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3)))
conf_warning(int line, const char *fmt, ...)
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
			conf_error(line, "unknown key '%s'", key);
		else if (strcmp(name, "service") == 0)
			conf_error(line, "unknown key '%s' in service %s", key,
			    cfg->title ? cfg->title : "");
		else
			conf_error(line, "unknown option '%s' for module %s",
			    key, name);
		return;
	}
	if (line == cx.unknown_line && line > 0) {
		cx.errors++;
		return;
	}
	conf_error(line, "%s", msg);
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
static int
conf_line(cfg_t *sec, const char *opt, unsigned int idx)
{
	int i = conf_line_find(sec, opt, idx);

	return i == -1 ? 0 : cx.lines[i].line;
}

/* The line of a key, or fallback if it was not written in the file. */
static int
conf_line_or(cfg_t *sec, const char *opt, int fallback)
{
	int line = conf_line(sec, opt, 0);

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

	if (n > cx.nservices) {
		cx.nservices = n;
		return;
	}
	for (i = 0; i < n; i++) {
		sec = cfg_opt_getnsec(opt, i);
		if (sec->line != root->line)
			continue;
		s = conf_svc_find(sec->title);
		conf_error(
		    s != NULL && s->last != s->first ? s->last : root->line,
		    "duplicate service %s (first defined at line %d)",
		    sec->title, s != NULL ? s->first : 0);
		return;
	}
}

/* Validation callback on every option: records where values are. */
static int
conf_note(cfg_t *cfg, cfg_opt_t *opt)
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


/* ------------------------------------------------------------ the keys */

static int
conf_resolve_user(const char *name, int line, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		conf_error(line, "unknown user \"%s\"", name);
		return -1;
	}
	*uid = pw->pw_uid;
	if (gid != NULL)
		*gid = pw->pw_gid;
	return 0;
}

static int
conf_resolve_group(const char *name, int line, gid_t *gid)
{
	struct group *gr;

	errno = 0;
	if ((gr = getgrnam(name)) == NULL) {
		conf_error(line, "unknown group \"%s\"", name);
		return -1;
	}
	*gid = gr->gr_gid;
	return 0;
}

/* The port of an IP address, or -1. */
static int
conf_addr_port(const struct sockserv_addr *a)
{
	if (a->family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->sa)->sin_port);
	if (a->family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->sa)->sin6_port);
	return -1;
}

/* ---------------------------------------------------- the keys' handlers */

/*
 * A handler builds a key that is more than a number: it reads the value
 * from sec and fills conf (global keys: svc is NULL) or svc, reporting
 * at the value's line.
 */

/* user and group: names and ids; none: -1 ids. */
static void
conf_key_identity(
    struct conf *conf, struct service *svc, cfg_t *sec, const struct conf_key *k)
{
	const char *u = cfg_getstr(sec, "user"), *g = cfg_getstr(sec, "group");

	if (u != NULL && (conf->user = strdup(u)) != NULL)
		conf_resolve_user(
		    u, conf_line(sec, "user", 0), &conf->uid, &conf->gid);
	if (g != NULL && (conf->group = strdup(g)) != NULL)
		conf_resolve_group(g, conf_line(sec, "group", 0), &conf->gid);
}

static void
conf_key_log(
    struct conf *conf, struct service *svc, cfg_t *sec, const struct conf_key *k)
{
	const char *s;

	if ((s = cfg_getstr(sec, "log")) == NULL)
		return;
	if (strcmp(s, "syslog") != 0 && strcmp(s, "stderr") != 0 &&
	    s[0] != '/')
		conf_error(conf_line(sec, "log", 0),
		    "log: expected syslog, stderr or an absolute path, "
		    "got \"%s\"",
		    s);
	conf->log = strdup(s);
}

static void
conf_key_log_level(
    struct conf *conf, struct service *svc, cfg_t *sec, const struct conf_key *k)
{
	const char *s = cfg_getstr(sec, "log_level");
	int level;

	if ((level = log_level_parse(s)) == -1)
		conf_error(conf_line(sec, "log_level", 0),
		    "log_level: unknown level \"%s\" (debug, info, notice, "
		    "warning, error)",
		    s);
	conf->log_level = level;
}

/*
 * A service's user and group, each else the global one.  The gid is the
 * group's, else the user's primary group.
 */
static void
conf_key_service_identity(
    struct conf *conf, struct service *svc, cfg_t *sec, const struct conf_key *k)
{
	const char *u = cfg_getstr(sec, "user");
	const char *g = cfg_getstr(sec, "group");
	gid_t ugid = (gid_t)-1;

	svc->uid = conf->uid;
	svc->gid = conf->gid;
	if (u != NULL) {
		svc->user = strdup(u);
		conf_resolve_user(
		    u, conf_line(sec, "user", 0), &svc->uid, &ugid);
	} else if (conf->user != NULL)
		svc->user = strdup(conf->user);
	if (g != NULL) {
		svc->group = strdup(g);
		conf_resolve_group(g, conf_line(sec, "group", 0), &svc->gid);
	} else if (conf->group != NULL)
		svc->group = strdup(conf->group);
	else if (u != NULL)
		svc->gid = ugid;
}

static void
conf_key_listen(
    struct conf *conf, struct service *svc, cfg_t *sec, const struct conf_key *k)
{
	char err[256];
	unsigned int i, n = cfg_size(sec, "listen");

	if (n == 0) {
		conf_error(
		    svc->line, "service %s: listen is required", svc->name);
		return;
	}
	svc->urls = calloc(n + 1, sizeof(*svc->urls));
	svc->addrs = calloc(n, sizeof(*svc->addrs));
	svc->fds = calloc(n, sizeof(*svc->fds));
	if (svc->urls == NULL || svc->addrs == NULL || svc->fds == NULL) {
		conf_error(svc->line, "%s", strerror(errno));
		return;
	}
	for (i = 0; i < n; i++)
		svc->fds[i] = -1; /* the master binds them when applying */
	/*
	 * addrs[i] stays listen's i-th value, so that later checks name its
	 * URL and line; one that failed is left AF_UNSPEC and skipped (the
	 * file is refused anyway).
	 */
	for (i = 0; i < n; i++) {
		svc->urls[i] = strdup(cfg_getnstr(sec, "listen", i));
		if (svc->urls[i] == NULL)
			return;
		svc->naddrs++;
		if (sockserv_addr_parse(
			svc->urls[i], &svc->addrs[i], err, sizeof(err)) == -1) {
			memset(&svc->addrs[i], 0, sizeof(svc->addrs[i]));
			conf_error(
			    conf_line(sec, "listen", i), "listen: %s", err);
		} else if (conf_addr_port(&svc->addrs[i]) == 0) {
			memset(&svc->addrs[i], 0, sizeof(svc->addrs[i]));
			conf_error(conf_line(sec, "listen", i),
			    "listen: %s: port 0 is not allowed: clients could "
			    "not know the port",
			    svc->urls[i]);
		}
	}
}

static void
conf_key_mode(
    struct conf *conf, struct service *svc, cfg_t *sec, const struct conf_key *k)
{
	const char *s = cfg_getstr(sec, "mode");
	size_t i;

	for (i = 0; i < sizeof(conf_modes) / sizeof(conf_modes[0]); i++)
		if (strcmp(s, conf_modes[i]) == 0) {
			svc->mode = (enum svc_mode)i;
			return;
		}
	conf_error(conf_line(sec, "mode", 0),
	    "mode: unknown mode \"%s\" (fork, prefork, thread, sync)", s);
}

/* Unix socket files: permissions "0660". */
static void
conf_key_socket_mode(
    struct conf *conf, struct service *svc, cfg_t *sec, const struct conf_key *k)
{
	const char *s = cfg_getstr(sec, "socket_mode");
	char *end;
	long v;

	v = strtol(s, &end, 8);
	if (*s == '\0' || *end != '\0' || v < 0 || v > 07777)
		conf_error(conf_line(sec, "socket_mode", 0),
		    "socket_mode: expected an octal mode such as \"0660\", got "
		    "\"%s\"",
		    s);
	else
		svc->socket_mode = (mode_t)v;
}

/* socket_owner and socket_group: names or ids; none: the master's. */
static void
conf_key_socket_owner(
    struct conf *conf, struct service *svc, cfg_t *sec, const struct conf_key *k)
{
	const char *s;

	svc->socket_uid = (uid_t)-1;
	svc->socket_gid = (gid_t)-1;
	if ((s = cfg_getstr(sec, "socket_owner")) != NULL)
		conf_resolve_user(s, conf_line(sec, "socket_owner", 0),
		    &svc->socket_uid, NULL);
	if ((s = cfg_getstr(sec, "socket_group")) != NULL)
		conf_resolve_group(
		    s, conf_line(sec, "socket_group", 0), &svc->socket_gid);
}

/* Spares are forked connection children: fork mode only. */
static void
conf_key_fork_ahead(
    struct conf *conf, struct service *svc, cfg_t *sec, const struct conf_key *k)
{
	if (svc->mode == MODE_FORK)
		return;
	if (conf_line(sec, "fork_ahead", 0) > 0 && svc->fork_ahead > 0)
		conf_warning(conf_line(sec, "fork_ahead", 0),
		    "service %s: fork_ahead only applies to mode = "
		    "fork; ignored",
		    svc->name);
	svc->fork_ahead = 0;
}

/* max_workers bounds the prefork pool: its other sizes must fit. */
static void
conf_key_pool(
    struct conf *conf, struct service *svc, cfg_t *sec, const struct conf_key *k)
{
	if (svc->mode != MODE_PREFORK)
		return;
	if (svc->workers > svc->max_workers)
		conf_error(conf_line_or(sec, "workers", svc->line),
		    "service %s: workers (%d) exceeds max_workers (%d)",
		    svc->name, svc->workers, svc->max_workers);
	if (svc->min_spare > svc->max_spare)
		conf_error(conf_line_or(sec, "min_spare", svc->line),
		    "service %s: min_spare (%d) exceeds max_spare (%d)",
		    svc->name, svc->min_spare, svc->max_spare);
	if (svc->min_spare > svc->max_workers)
		conf_error(conf_line_or(sec, "min_spare", svc->line),
		    "service %s: min_spare (%d) exceeds max_workers (%d)",
		    svc->name, svc->min_spare, svc->max_workers);
}

static void
conf_build_acl(
    cfg_t *sec, const char *key, struct acl_rule **rules, size_t *nrules)
{
	char err[256];
	unsigned int i, n = cfg_size(sec, key);

	if (n == 0 || (*rules = calloc(n, sizeof(**rules))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (acl_parse(cfg_getnstr(sec, key, i), &(*rules)[*nrules], err,
			sizeof(err)) == -1) {
			conf_error(conf_line(sec, key, i), "%s: %s", key, err);
			continue;
		}
		(*nrules)++;
	}
}

static void
conf_key_allow(
    struct conf *conf, struct service *svc, cfg_t *sec, const struct conf_key *k)
{
	conf_build_acl(sec, k->name, &svc->allow, &svc->nallow);
}

static void
conf_key_deny(
    struct conf *conf, struct service *svc, cfg_t *sec, const struct conf_key *k)
{
	conf_build_acl(sec, k->name, &svc->deny, &svc->ndeny);
}

#define KEY_INT(name, def, min, max, at, fn) \
	{name, CONF_KEY_INT, def, NULL, min, max, at, fn}
#define KEY_BOOL(name, def, at) \
	{name, CONF_KEY_BOOL, def, NULL, 0, 0, at, NULL}
#define KEY_PATH(name, def, at) \
	{name, CONF_KEY_PATH, 0, def, 0, 0, at, NULL}
#define KEY_STR(name, def, fn) \
	{name, CONF_KEY_STR, 0, def, 0, 0, 0, fn}
#define KEY_LIST(name, fn) \
	{name, CONF_KEY_LIST, 0, NULL, 0, 0, 0, fn}
#define GLOBAL(field)	offsetof(struct conf, field)
#define SERVICE(field)	offsetof(struct service, field)

/*
 * Every key of sockserv.conf(5), one row each.  A row is built in table
 * order, so a handler may read the keys above it (fork_ahead reads mode;
 * max_workers checks the pool's sizes against it).
 */
/* clang-format off */
static const struct conf_key conf_keys_global[] = {
	KEY_STR("user", NULL, conf_key_identity),	/* and group */
	KEY_STR("group", NULL, NULL),			/* with user */
	KEY_PATH("pidfile", RUNSTATEDIR "/sockserv/sockservd.pid",
	    GLOBAL(pidfile)),
	KEY_PATH("module_dir", NULL, GLOBAL(module_dir)), /* pass 1 too */
	KEY_STR("log", NULL, conf_key_log),
	KEY_STR("log_level", "info", conf_key_log_level),
	KEY_INT("shutdown_timeout", 10, 0, 86400, GLOBAL(shutdown_timeout),
	    NULL),
};

static const struct conf_key conf_keys_service[] = {
	KEY_STR("user", NULL, conf_key_service_identity), /* and group */
	KEY_STR("group", NULL, NULL),			/* with user */
	KEY_LIST("listen", conf_key_listen),
	KEY_STR("module", NULL, NULL),	/* pass 1, then conf_build_module */
	KEY_STR("mode", "fork", conf_key_mode),
	KEY_STR("socket_mode", "0666", conf_key_socket_mode),
	KEY_STR("socket_owner", NULL, conf_key_socket_owner),
	KEY_STR("socket_group", NULL, NULL),		/* with socket_owner */
	KEY_INT("request_queue_size", 128, 1, 65535,
	    SERVICE(request_queue_size), NULL),
	KEY_BOOL("allow_reuse_address", true, SERVICE(reuse_addr)),
	KEY_BOOL("allow_reuse_port", false, SERVICE(reuse_port)),
	KEY_INT("timeout", 0, 0, INT_MAX / 1000, SERVICE(timeout), NULL),
	KEY_INT("max_children", 40, 1, 65535, SERVICE(max_children), NULL),
	KEY_INT("workers", 4, 1, 4096, SERVICE(workers), NULL),
	KEY_INT("min_spare", 1, 0, 4096, SERVICE(min_spare), NULL),
	KEY_INT("max_spare", 8, 1, 4096, SERVICE(max_spare), NULL),
	KEY_INT("max_requests", 0, 0, INT_MAX, SERVICE(max_requests), NULL),
	KEY_INT("max_per_source", 0, 0, 65535, SERVICE(max_per_source),
	    NULL),
	KEY_INT("fork_ahead", CONF_FORK_AHEAD, 0, 64, SERVICE(fork_ahead),
	    conf_key_fork_ahead),
	KEY_INT("max_workers", 64, 1, 4096, SERVICE(max_workers),
	    conf_key_pool),
	KEY_LIST("allow", conf_key_allow),
	KEY_LIST("deny", conf_key_deny),
};
/* clang-format on */

#define NKEYS(t) (sizeof(t) / sizeof((t)[0]))

static const struct conf_key *
conf_keys_row(const struct conf_key *keys, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* A service key's row (searched first), else a global key's; or NULL. */
static const struct conf_key *
conf_key_find(const char *name)
{
	const struct conf_key *k;

	k = conf_keys_row(conf_keys_service, NKEYS(conf_keys_service), name);
	if (k == NULL)
		k = conf_keys_row(
		    conf_keys_global, NKEYS(conf_keys_global), name);
	return k;
}

/*
 * Integers: a bad or out-of-range value is reported and replaced by the
 * default, and parsing goes on (libConfuse's own parser would stop).
 */
static int
conf_parse_int(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	const struct conf_key *k = conf_key_find(opt->name);
	long *out = result, v;
	char *end;

	*out = opt->def.number;
	errno = 0;
	v = strtol(value, &end, 10);
	if (*value == '\0' || *end != '\0' || errno == ERANGE) {
		conf_error(cfg->line, "%s: expected an integer, got \"%s\"",
		    opt->name, value);
		return 0;
	}
	if (k != NULL && (v < k->min || v > k->max)) {
		conf_error(cfg->line, "%s: %ld is out of range (%ld to %ld)",
		    opt->name, v, k->min, k->max);
		return 0;
	}
	*out = v;
	return 0;
}

static int
conf_parse_bool(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	int *out = result, b;

	if ((b = cfg_parse_boolean(value)) == -1) {
		conf_error(cfg->line, "%s: expected true or false, got \"%s\"",
		    opt->name, value);
		b = opt->def.boolean;
	}
	*out = b;
	return 0;
}

/* The libConfuse option of a row. */
static cfg_opt_t
conf_key_opt(const struct conf_key *k)
{
	switch (k->type) {
	case CONF_KEY_INT:
		return (cfg_opt_t)CFG_INT_CB(
		    k->name, k->def, CFGF_NONE, conf_parse_int);
	case CONF_KEY_BOOL:
		return (cfg_opt_t)CFG_BOOL_CB(k->name,
		    k->def ? cfg_true : cfg_false, CFGF_NONE, conf_parse_bool);
	case CONF_KEY_LIST:
		return (cfg_opt_t)CFG_STR_LIST(k->name, NULL, CFGF_NONE);
	case CONF_KEY_PATH:
	case CONF_KEY_STR:
		break;
	}
	return (cfg_opt_t)CFG_STR(k->name, k->sdef, CFGF_NONE);
}

/* The options of n rows, with room for `extra' more, each noting its line. */
static cfg_opt_t *
conf_keys_opts(const struct conf_key *keys, size_t n, size_t extra)
{
	cfg_opt_t *opts;
	size_t i;

	if ((opts = calloc(n + extra + 1, sizeof(*opts))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		opts[i] = conf_key_opt(&keys[i]);
		opts[i].validcb = conf_note;
	}
	return opts;
}

/* Copy each row's value from sec into conf or svc, then run its handler. */
static void
conf_keys_build(const struct conf_key *keys, size_t n, struct conf *conf,
    struct service *svc, cfg_t *sec)
{
	char *base = svc != NULL ? (char *)svc : (char *)conf;
	const struct conf_key *k;
	const char *s;

	for (k = keys; k < keys + n; k++) {
		switch (k->type) {
		case CONF_KEY_INT:
			*(int *)(base + k->at) = (int)cfg_getint(sec, k->name);
			break;
		case CONF_KEY_BOOL:
			*(bool *)(base + k->at) = cfg_getbool(sec, k->name);
			break;
		case CONF_KEY_PATH:
			if ((s = cfg_getstr(sec, k->name)) == NULL)
				break;
			if (s[0] != '/')
				conf_error(conf_line(sec, k->name, 0),
				    "%s: \"%s\" is not an absolute path",
				    k->name, s);
			*(char **)(base + k->at) = strdup(s);
			break;
		case CONF_KEY_STR:
		case CONF_KEY_LIST:
			break;
		}
		if (k->fn != NULL)
			k->fn(conf, svc, sec, k);
	}
}

/* --------------------------------------------------------------- schema */

static cfg_opt_t conf_empty_opts[] = {CFG_END()};

static size_t
conf_nopts(const cfg_opt_t *opts)
{
	size_t n = 0;

	while (opts != NULL && opts[n].name != NULL)
		n++;
	return n;
}

/* A copy of opts with room for `extra' more, each noting its line. */
static cfg_opt_t *
conf_opts_copy(const cfg_opt_t *opts, size_t extra)
{
	cfg_opt_t *copy;
	size_t n = conf_nopts(opts), i;

	if ((copy = calloc(n + extra + 1, sizeof(*copy))) == NULL)
		return NULL;
	if (n > 0)
		memcpy(copy, opts, n * sizeof(*copy));
	for (i = 0; i < n; i++)
		if (copy[i].validcb == NULL)
			copy[i].validcb = conf_note;
	return copy;
}

/* Is name a module block already in opts, or a key of a service? */
static bool
conf_opts_has(const cfg_opt_t *opts, const char *name)
{
	size_t i;

	for (i = 0; opts[i].name != NULL; i++)
		if (strcmp(opts[i].name, name) == 0)
			return true;
	return false;
}

static void
conf_schema_free(cfg_opt_t *svc)
{
	size_t i;

	if (svc == NULL)
		return;
	for (i = 0; svc[i].name != NULL; i++)
		if (svc[i].type == CFGT_SEC &&
		    svc[i].subopts != conf_empty_opts)
			free(svc[i].subopts);
	free(svc);
}

/*
 * The service section of pass 2: our keys plus one block per loaded
 * module, holding the options it declares (or none).
 */
static cfg_opt_t *
conf_schema_service(void)
{
	cfg_opt_t *svc, *sub;
	const struct sockserv_module *d;
	size_t i, n;

	n = NKEYS(conf_keys_service);
	if ((svc = conf_keys_opts(conf_keys_service, n, cx.nmods)) == NULL)
		return NULL;
	for (i = 0; i < cx.nmods; i++) {
		if (cx.mods[i].m == NULL)
			continue;
		d = cx.mods[i].m->desc;
		if (conf_opts_has(svc, d->name))
			continue; /* a key, or the same name twice */
		if (d->options == NULL)
			sub = conf_empty_opts;
		else if ((sub = conf_opts_copy(d->options, 0)) == NULL) {
			conf_schema_free(svc);
			return NULL;
		}
		svc[n] = (cfg_opt_t)CFG_SEC(d->name, sub, CFGF_NONE);
		svc[n++].validcb = conf_note;
	}
	return svc;
}

/* The root of pass 2: the global keys and the service section. */
static cfg_opt_t *
conf_schema_root(cfg_opt_t *svc)
{
	cfg_opt_t *root;
	size_t n = NKEYS(conf_keys_global);

	if ((root = conf_keys_opts(conf_keys_global, n, 1)) == NULL)
		return NULL;
	root[n] = (cfg_opt_t)CFG_SEC("service", svc, CFGF_MULTI | CFGF_TITLE);
	root[n].validcb = conf_note;
	return root;
}

/* ------------------------------------------------------------ modules */

static void
conf_cand_add(const char *name)
{
	size_t i;

	if (name == NULL || *name == '\0' || cx.ncand == CONF_MAXCAND ||
	    conf_keys_row(conf_keys_service, NKEYS(conf_keys_service),
		name) != NULL)
		return;
	for (i = 0; i < cx.ncand; i++)
		if (strcmp(cx.cand[i], name) == 0)
			return;
	if ((cx.cand[cx.ncand] = strdup(name)) != NULL)
		cx.ncand++;
}

/* NAME for every NAME.so in dir: the blocks pass 1 must be able to skip. */
static void
conf_cand_scan(const char *dir)
{
	struct dirent *de;
	DIR *d;
	char name[256];
	size_t len;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 3 || len >= sizeof(name) ||
		    strcmp(de->d_name + len - 3, ".so") != 0)
			continue;
		memcpy(name, de->d_name, len - 3);
		name[len - 3] = '\0';
		conf_cand_add(name);
	}
	closedir(d);
}

static bool
conf_module_name_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			(*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

/* The file `module = ref' names, or NULL with a reason in err. */
static char *
conf_module_path(const char *ref, const char *dir, char *err, size_t errlen)
{
	char *path;

	if (ref[0] == '/')
		return strdup(ref);
	if (!conf_module_name_ok(ref)) {
		snprintf(err, errlen,
		    "module \"%s\": expected a name (letters, digits, _ and -) "
		    "or an absolute path",
		    ref);
		return NULL;
	}
	if (asprintf(&path, "%s/%s.so", dir, ref) == -1)
		return NULL;
	return path;
}

/* Load (once) the module that `module = ref' names. */
static struct conf_mod *
conf_module_load(const char *ref, const char *dir)
{
	struct conf_mod *p, *cm;
	size_t i;

	for (i = 0; i < cx.nmods; i++)
		if (strcmp(cx.mods[i].ref, ref) == 0)
			return &cx.mods[i];
	p = reallocarray(cx.mods, cx.nmods + 1, sizeof(*p));
	if (p == NULL)
		return NULL;
	cx.mods = p;
	cm = &p[cx.nmods];
	memset(cm, 0, sizeof(*cm));
	if ((cm->ref = strdup(ref)) == NULL)
		return NULL;
	cx.nmods++;
	cm->path = conf_module_path(ref, dir, cm->err, sizeof(cm->err));
	if (cm->path != NULL)
		cm->m = module_open(cm->path, cm->err, sizeof(cm->err));
	else if (cm->err[0] == '\0')
		snprintf(cm->err, sizeof(cm->err), "%s", strerror(errno));
	if (cm->m != NULL)
		conf_cand_add(cm->m->desc->name);
	return cm;
}

/* After a syntax error: still say which modules could not be loaded. */
static void
conf_report_modules(void)
{
	size_t i;

	for (i = 0; i < cx.nmods; i++)
		if (cx.mods[i].m == NULL)
			conf_error(
			    0, "module %s: %s", cx.mods[i].ref, cx.mods[i].err);
}

static void
conf_modules_release(void)
{
	size_t i;

	for (i = 0; i < cx.nmods; i++) {
		module_close(cx.mods[i].m);
		free(cx.mods[i].ref);
		free(cx.mods[i].path);
	}
	free(cx.mods);
	cx.mods = NULL;
	cx.nmods = 0;
}

/* ---------------------------------------------------------- the passes */

/*
 * Parse the file's text, read once (so both passes see the same bytes),
 * naming it by its path in libConfuse's messages.
 */
static int
conf_parse_mem(cfg_t *cfg, const char *buf, size_t len)
{
	static char empty[] = "\n"; /* fmemopen wants a size > 0 */
	FILE *fp;
	int rc;

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

/* The directory for `module = NAME': config, environment, build default. */
static const char *
conf_module_dir(const char *configured)
{
	const char *env;

	if (configured != NULL)
		return configured;
	if ((env = getenv("SOCKSERV_MODULE_DIR")) != NULL && *env != '\0')
		return env;
	return PKGLIBDIR;
}

/*
 * Pass 1: learn module_dir and each service's module, quietly, skipping
 * everything else, and load those modules.  Returns true when the set of
 * block names grew (a loaded module is named unlike its file), in which
 * case pass 1 is run again so it can skip that block too.
 */
static bool
conf_pass1(const char *buf, size_t len)
{
	cfg_opt_t *svc, root[3];
	cfg_t *cfg, *sec;
	const char *dir, *ref;
	size_t i, ncand = cx.ncand;
	unsigned int n;

	if ((svc = calloc(cx.ncand + 2, sizeof(*svc))) == NULL)
		return false;
	svc[0] = (cfg_opt_t)CFG_STR("module", NULL, CFGF_NONE);
	for (i = 0; i < cx.ncand; i++)
		svc[i + 1] =
		    (cfg_opt_t)CFG_SEC(cx.cand[i], conf_empty_opts, CFGF_NONE);
	svc[cx.ncand + 1] = (cfg_opt_t)CFG_END();
	root[0] = (cfg_opt_t)CFG_STR("module_dir", NULL, CFGF_NONE);
	root[1] = (cfg_opt_t)CFG_SEC("service", svc, CFGF_MULTI | CFGF_TITLE);
	root[2] = (cfg_opt_t)CFG_END();

	cx.quiet = true;
	cfg = cfg_init(root, CFGF_IGNORE_UNKNOWN);
	free(svc);
	if (cfg == NULL) {
		cx.quiet = false;
		return false;
	}
	cfg_set_error_function(cfg, conf_cfg_error);
	/* A failed pass 1 still holds what came before the failure. */
	(void)conf_parse_mem(cfg, buf, len);
	cx.quiet = false;
	cx.errors = 0;
	cx.unknown_line = 0;

	dir = conf_module_dir(cfg_getstr(cfg, "module_dir"));
	conf_cand_scan(dir);
	n = cfg_size(cfg, "service");
	for (i = 0; i < n; i++) {
		sec = cfg_getnsec(cfg, "service", (unsigned int)i);
		if ((ref = cfg_getstr(sec, "module")) != NULL)
			conf_module_load(ref, dir);
	}
	cfg_free(cfg);
	return cx.ncand > ncand;
}

/* Pass 2: the full schema, every error reported. */
static cfg_t *
conf_pass2(const char *buf, size_t len)
{
	cfg_opt_t *svc, *root;
	cfg_t *cfg;

	if ((svc = conf_schema_service()) == NULL)
		return NULL;
	if ((root = conf_schema_root(svc)) == NULL) {
		conf_schema_free(svc);
		return NULL;
	}
	cfg = cfg_init(root, CFGF_KEYSTRVAL);
	free(root);
	conf_schema_free(svc);
	if (cfg == NULL)
		return NULL;
	cfg_set_error_function(cfg, conf_cfg_error);
	cx.root = cfg;
	if (conf_parse_mem(cfg, buf, len) != CFG_SUCCESS) {
		if (cx.errors == 0)
			conf_error(0, "cannot parse: %s", strerror(errno));
		cfg_free(cfg);
		cfg = NULL;
	}
	cx.root = cfg;
	return cfg;
}

/* Read the file whole, after checking that it may be trusted. */
static char *
conf_read(const char *path, size_t *lenp)
{
	struct stat st;
	char err[512], *buf;
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		conf_error(0, "%s", strerror(errno));
		return NULL;
	}
	if (trust_strict() &&
	    trust_check_file(fd, path, false, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		cx.errors++;
		close(fd);
		return NULL;
	}
	if (fstat(fd, &st) == -1 || st.st_size > CONF_MAXSIZE) {
		conf_error(0, "%s", errno ? strerror(errno) : "file too large");
		close(fd);
		return NULL;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	while (len < (size_t)st.st_size &&
	    (n = read(fd, buf + len, (size_t)st.st_size - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			conf_error(0, "%s", strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

/* ------------------------------------------------------------ building */

static void
conf_check_acl_scope(struct service *svc, cfg_t *sec)
{
	size_t i;
	const char *keys[] = {"allow", "deny"};

	for (i = 0; i < svc->naddrs; i++)
		if (svc->addrs[i].family != AF_UNIX)
			return; /* IP, or not parsed */
	if (svc->naddrs == 0)
		return;
	for (i = 0; i < 2; i++)
		if (cfg_size(sec, keys[i]) > 0)
			conf_warning(conf_line(sec, keys[i], 0),
			    "service %s: %s does not apply to Unix sockets; "
			    "ignored",
			    svc->name, keys[i]);
}

static enum sockserv_mode
conf_lib_mode(enum svc_mode mode)
{
	switch (mode) {
	case MODE_PREFORK:
		return SOCKSERV_PREFORK;
	case MODE_THREAD:
		return SOCKSERV_THREAD;
	case MODE_SYNC:
		return SOCKSERV_SYNC;
	case MODE_FORK:
		break;
	}
	return SOCKSERV_FORK;
}

/* Blocks for modules this service does not use are mistakes. */
static void
conf_check_blocks(struct service *svc, cfg_t *sec)
{
	const char *name;
	size_t i;
	int line;

	for (i = 0; i < cx.nmods; i++) {
		if (cx.mods[i].m == NULL)
			continue;
		name = cx.mods[i].m->desc->name;
		if (svc->module != NULL &&
		    strcmp(name, svc->module->desc->name) == 0)
			continue;
		if ((line = conf_line(sec, name, 0)) != 0)
			conf_error(line,
			    "service %s: block %s is for module %s, but the "
			    "service uses %s",
			    svc->name, name, name,
			    svc->module != NULL ? svc->module->desc->name
						: "another module");
	}
}

/* The module: loaded, serving every listen type, fit for the mode. */
static void
conf_build_module(struct service *svc, cfg_t *sec)
{
	const struct sockserv_module *d;
	const char *ref = cfg_getstr(sec, "module");
	int line = conf_line(sec, "module", 0);
	size_t i;
	struct conf_mod *cm = NULL;

	if (ref == NULL) {
		conf_error(
		    svc->line, "service %s: module is required", svc->name);
		conf_check_blocks(svc, sec);
		return;
	}
	for (i = 0; i < cx.nmods && cm == NULL; i++)
		if (strcmp(cx.mods[i].ref, ref) == 0)
			cm = &cx.mods[i];
	if (cm == NULL || cm->m == NULL) {
		conf_error(line, "service %s: %s", svc->name,
		    cm != NULL ? cm->err : "module not loaded");
		conf_check_blocks(svc, sec);
		return;
	}
	svc->module = cm->m;
	svc->module->refs++;
	svc->module_path = strdup(cm->path);
	d = svc->module->desc;
	conf_check_blocks(svc, sec);
	if (svc->mode == MODE_THREAD && !d->thread_safe)
		conf_error(conf_line_or(sec, "mode", line),
		    "service %s: mode thread, but module %s is not thread-safe",
		    svc->name, d->name);
	for (i = 0; i < svc->naddrs; i++) {
		if (svc->addrs[i].socktype == SOCK_STREAM &&
		    !(d->socktypes & SOCKSERV_MOD_STREAM))
			conf_error(conf_line(sec, "listen", i),
			    "service %s: module %s does not serve stream "
			    "sockets (%s)",
			    svc->name, d->name, svc->urls[i]);
		if (svc->addrs[i].socktype == SOCK_DGRAM &&
		    !(d->socktypes & SOCKSERV_MOD_DGRAM))
			conf_error(conf_line(sec, "listen", i),
			    "service %s: module %s does not serve datagram "
			    "sockets (%s)",
			    svc->name, d->name, svc->urls[i]);
	}
	if (d->options != NULL)
		svc->modopts = cfg_getsec(sec, d->name);
}

/* The module's own check of its block, with the environment it will get. */
static void
conf_module_check(struct service *svc, cfg_t *sec)
{
	const struct sockserv_module *d;
	int before = cx.errors, line;

	svc->env.service = svc->name;
	svc->env.mode = conf_lib_mode(svc->mode);
	svc->env.timeout = svc->timeout;
	svc->env.options = svc->modopts;
	svc->env.log = log_msg;
	if (svc->module == NULL)
		return;
	d = svc->module->desc;
	if (d->check == NULL)
		return;
	/*
	 * libConfuse leaves a block's line at its closing brace; point the
	 * module's cfg_error() at where the block's content starts instead.
	 */
	if (svc->modopts != NULL && (line = conf_line(sec, d->name, 0)) > 0)
		svc->modopts->line = line;
	if (d->check(svc->modopts, &svc->env) == 0)
		return;
	if (cx.errors == before)
		conf_error(svc->line,
		    "service %s: module %s rejected its options", svc->name,
		    d->name);
}

/*
 * The service's identity: its own user and group, each else the global
 * one.  The gid is the group's, else the user's primary group.
 */
static struct service *
conf_build_service(struct conf *conf, cfg_t *sec)
{
	struct service *svc;
	struct conf_svcline *sl;

	if ((svc = calloc(1, sizeof(*svc))) == NULL)
		return NULL;
	TAILQ_INSERT_TAIL(&conf->services, svc, entry);
	svc->name = strdup(cfg_title(sec));
	sl = conf_svc_find(cfg_title(sec));
	svc->line = sl != NULL ? sl->first : sec->line;
	conf_keys_build(
	    conf_keys_service, NKEYS(conf_keys_service), conf, svc, sec);
	conf_check_acl_scope(svc, sec);
	conf_build_module(svc, sec);
	conf_module_check(svc, sec);
	return svc;
}

static bool
conf_addr_same(const struct sockserv_addr *x, const struct sockserv_addr *y)
{
	return x->socktype == y->socktype && x->len == y->len &&
	    memcmp(&x->sa, &y->sa, x->len) == 0;
}

/* Index of the first of svc's first n addresses equal to a, or -1. */
static int
conf_addr_find(
    const struct service *svc, size_t n, const struct sockserv_addr *a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (conf_addr_same(&svc->addrs[i], a))
			return (int)i;
	return -1;
}

/*
 * One address cannot be bound twice: not by two services, nor twice by
 * one.  b is the service just built, sec its section; addresses that did
 * not parse were reported already and are not compared.
 */
static void
conf_check_addresses(struct conf *conf, struct service *b, cfg_t *sec)
{
	struct service *a;
	size_t j;
	int i;

	for (j = 0; j < b->naddrs; j++) {
		if (b->addrs[j].family == AF_UNSPEC)
			continue;
		if ((i = conf_addr_find(b, j, &b->addrs[j])) != -1) {
			conf_error(conf_line(sec, "listen", j),
			    "service %s: duplicate address %s in listen "
			    "(first at line %d)",
			    b->name, b->urls[j], conf_line(sec, "listen", i));
			continue;
		}
		TAILQ_FOREACH(a, &conf->services, entry)
		{
			if (a == b)
				break;
			if (conf_addr_find(a, a->naddrs, &b->addrs[j]) == -1)
				continue;
			conf_error(conf_line(sec, "listen", j),
			    "service %s: %s is also used by service %s",
			    b->name, b->urls[j], a->name);
			break;
		}
	}
}

static void
conf_build(struct conf *conf)
{
	unsigned int i, n = cfg_size(conf->cfg, "service");
	struct service *svc;
	cfg_t *sec;

	conf_keys_build(conf_keys_global, NKEYS(conf_keys_global), conf, NULL,
	    conf->cfg);
	if (n == 0)
		conf_error(0, "no service defined");
	for (i = 0; i < n; i++) {
		sec = cfg_getnsec(conf->cfg, "service", i);
		if ((svc = conf_build_service(conf, sec)) == NULL)
			conf_error(0, "%s", strerror(errno));
		else
			conf_check_addresses(conf, svc, sec);
	}
}

/* ------------------------------------------------------------- exported */

static void
conf_cx_reset(void)
{
	size_t i;

	conf_modules_release();
	for (i = 0; i < cx.ncand; i++)
		free(cx.cand[i]);
	for (i = 0; i < cx.nsvcs; i++)
		free(cx.svcs[i].title);
	free(cx.svcs);
	free(cx.lines);
	memset(&cx, 0, sizeof(cx));
}

static struct conf *
conf_new(const char *path)
{
	struct conf *conf;

	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		return NULL;
	TAILQ_INIT(&conf->services);
	conf->uid = (uid_t)-1;
	conf->gid = (gid_t)-1;
	conf->log_level = LOG_INFO;
	conf->refs = 1;
	if ((conf->path = strdup(path)) == NULL) {
		free(conf);
		return NULL;
	}
	return conf;
}

/*
 * Parse, validate and build the whole configuration at path.  Every error
 * is logged as FILE:LINE: message; returns NULL if there was any.
 */
struct conf *
conf_load(const char *path)
{
	struct conf *conf = NULL;
	char *buf, err[256];
	size_t len = 0;
	int round, line;

	conf_cx_reset();
	cx.path = path;
	if ((buf = conf_read(path, &len)) == NULL)
		goto out;
	/* libConfuse would misread what fails the scan: say only that. */
	if (conf_scan(buf, len, &line, err, sizeof(err)) == -1) {
		conf_error(line, "%s", err);
		goto out;
	}
	conf_cand_scan(conf_module_dir(NULL));
	for (round = 0; round < CONF_PASSES; round++)
		if (!conf_pass1(buf, len))
			break;
	if ((conf = conf_new(path)) == NULL) {
		conf_error(0, "%s", strerror(errno));
		goto out;
	}
	if ((conf->cfg = conf_pass2(buf, len)) == NULL) {
		conf_report_modules();
		goto out;
	}
	conf_build(conf);
out:
	free(buf);
	conf_flush();
	if (cx.errors > 0 && conf != NULL) {
		conf_free(conf);
		conf = NULL;
	}
	conf_cx_reset();
	return conf;
}

static void
conf_service_free(struct service *svc)
{
	size_t i;

	for (i = 0; svc->urls != NULL && svc->urls[i] != NULL; i++)
		free(svc->urls[i]);
	free(svc->urls);
	free(svc->addrs);
	free(svc->fds); /* the descriptors are the master's */
	free(svc->name);
	free(svc->module_path);
	free(svc->user);
	free(svc->group);
	free(svc->allow);
	free(svc->deny);
	free(svc);
}

/*
 * Drop one reference; the last frees everything.  The parsed tree goes
 * before the modules: values in it may need module code to be freed.
 */
void
conf_free(struct conf *conf)
{
	struct service *svc;
	struct module **mods;
	size_t n = 0, i;

	if (conf == NULL || --conf->refs > 0)
		return;
	TAILQ_FOREACH(svc, &conf->services, entry)
	n++;
	mods = calloc(n + 1, sizeof(*mods));
	i = 0;
	while ((svc = TAILQ_FIRST(&conf->services)) != NULL) {
		TAILQ_REMOVE(&conf->services, svc, entry);
		if (mods != NULL)
			mods[i++] = svc->module;
		else
			module_close(svc->module);
		conf_service_free(svc);
	}
	if (conf->cfg != NULL)
		cfg_free(conf->cfg);
	for (i = 0; mods != NULL && i < n; i++)
		module_close(mods[i]);
	free(mods);
	free(conf->path);
	free(conf->user);
	free(conf->group);
	free(conf->pidfile);
	free(conf->module_dir);
	free(conf->log);
	free(conf);
}

const char *
conf_mode_name(enum svc_mode mode)
{
	if ((size_t)mode < sizeof(conf_modes) / sizeof(conf_modes[0]))
		return conf_modes[mode];
	return "unknown";
}