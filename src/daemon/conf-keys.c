/*
 * conf-keys.c -- the keys of sockserv.conf(5), one row each.
 *
 * A row says a key's name, type, default and range, and where its value
 * goes: an int, bool or path field of struct conf (global keys) or of
 * struct service, by offsetof, and/or a handler for a key whose value is
 * converted (user names, addresses, a mode, CIDR prefixes).  The schema
 * of pass 2, the range check of the integer callback and the copy into
 * the structures are all read from the rows: a new key is one row, plus
 * a handler if its value needs converting.
 *
 * Integers and booleans are parsed by our callbacks, so that a bad value
 * is reported at its line and replaced by the default, and parsing goes
 * on (libConfuse's own parser would stop).  Rows are built in table
 * order, which is also the order of their messages on one line: a
 * handler may read the keys above it.
 */
#include "config.h"

#include <sys/types.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sockservd.h"

#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif

#define CONF_FORK_AHEAD 0 /* fork mode spares, see sockserv.conf(5) */

/*
 * A configuration key: its type, default and range, and where its value
 * goes -- a field of struct conf (global keys) or struct service at `at',
 * and/or a handler that builds it.
 */
enum conf_key_type {
	CONF_KEY_INT,  /* long in the file, an int at `at', min to max */
	CONF_KEY_BOOL, /* a bool at `at' */
	CONF_KEY_PATH, /* an absolute path, strdup()ed to a char * at `at' */
	CONF_KEY_STR,  /* a string: built by its handler, if any */
	CONF_KEY_LIST  /* a list of strings: built by its handler */
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

const char *const conf_keys_modes[MODE_SYNC + 1] = {
    [MODE_FORK] = "fork",
    [MODE_PREFORK] = "prefork",
    [MODE_THREAD] = "thread",
    [MODE_SYNC] = "sync",
};

static int
conf_resolve_user(const char *name, int line, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		conf_msg_error(line, "unknown user \"%s\"", name);
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
		conf_msg_error(line, "unknown group \"%s\"", name);
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
conf_key_identity(struct conf *conf, struct service *svc, cfg_t *sec,
    const struct conf_key *k)
{
	const char *u = cfg_getstr(sec, "user"), *g = cfg_getstr(sec, "group");

	if (u != NULL && (conf->user = strdup(u)) != NULL)
		conf_resolve_user(u, conf_msg_line(sec, "user", 0), &conf->uid,
		    &conf->gid);
	if (g != NULL && (conf->group = strdup(g)) != NULL)
		conf_resolve_group(g, conf_msg_line(sec, "group", 0),
		    &conf->gid);
}

static void
conf_key_log(struct conf *conf, struct service *svc, cfg_t *sec,
    const struct conf_key *k)
{
	const char *s;

	if ((s = cfg_getstr(sec, "log")) == NULL)
		return;
	if (strcmp(s, "syslog") != 0 && strcmp(s, "stderr") != 0 && s[0] != '/')
		conf_msg_error(conf_msg_line(sec, "log", 0),
		    "log: expected syslog, stderr or an absolute path, "
		    "got \"%s\"",
		    s);
	conf->log = strdup(s);
}

static void
conf_key_log_level(struct conf *conf, struct service *svc, cfg_t *sec,
    const struct conf_key *k)
{
	const char *s = cfg_getstr(sec, "log_level");
	int level;

	if ((level = log_level_parse(s)) == -1)
		conf_msg_error(conf_msg_line(sec, "log_level", 0),
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
conf_key_service_identity(struct conf *conf, struct service *svc, cfg_t *sec,
    const struct conf_key *k)
{
	const char *u = cfg_getstr(sec, "user");
	const char *g = cfg_getstr(sec, "group");
	gid_t ugid = (gid_t)-1;

	svc->uid = conf->uid;
	svc->gid = conf->gid;
	if (u != NULL) {
		svc->user = strdup(u);
		conf_resolve_user(u, conf_msg_line(sec, "user", 0), &svc->uid,
		    &ugid);
	} else if (conf->user != NULL)
		svc->user = strdup(conf->user);
	if (g != NULL) {
		svc->group = strdup(g);
		conf_resolve_group(g, conf_msg_line(sec, "group", 0),
		    &svc->gid);
	} else if (conf->group != NULL)
		svc->group = strdup(conf->group);
	else if (u != NULL)
		svc->gid = ugid;
}

static void
conf_key_listen(struct conf *conf, struct service *svc, cfg_t *sec,
    const struct conf_key *k)
{
	char err[256];
	unsigned int i, n = cfg_size(sec, "listen");

	if (n == 0) {
		conf_msg_error(svc->line, "service %s: listen is required",
		    svc->name);
		return;
	}
	svc->urls = calloc(n + 1, sizeof(*svc->urls));
	svc->addrs = calloc(n, sizeof(*svc->addrs));
	svc->fds = calloc(n, sizeof(*svc->fds));
	if (svc->urls == NULL || svc->addrs == NULL || svc->fds == NULL) {
		conf_msg_error(svc->line, "%s", strerror(errno));
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
		if (sockserv_addr_parse(svc->urls[i], &svc->addrs[i], err,
			sizeof(err)) == -1) {
			memset(&svc->addrs[i], 0, sizeof(svc->addrs[i]));
			conf_msg_error(conf_msg_line(sec, "listen", i),
			    "listen: %s", err);
		} else if (conf_addr_port(&svc->addrs[i]) == 0) {
			memset(&svc->addrs[i], 0, sizeof(svc->addrs[i]));
			conf_msg_error(conf_msg_line(sec, "listen", i),
			    "listen: %s: port 0 is not allowed: clients could "
			    "not know the port",
			    svc->urls[i]);
		}
	}
}

static void
conf_key_mode(struct conf *conf, struct service *svc, cfg_t *sec,
    const struct conf_key *k)
{
	const char *s = cfg_getstr(sec, "mode");
	size_t i;

	for (i = 0; i < sizeof(conf_keys_modes) / sizeof(conf_keys_modes[0]);
	     i++)
		if (strcmp(s, conf_keys_modes[i]) == 0) {
			svc->mode = (enum svc_mode)i;
			return;
		}
	conf_msg_error(conf_msg_line(sec, "mode", 0),
	    "mode: unknown mode \"%s\" (fork, prefork, thread, sync)", s);
}

/* Unix socket files: permissions "0660". */
static void
conf_key_socket_mode(struct conf *conf, struct service *svc, cfg_t *sec,
    const struct conf_key *k)
{
	const char *s = cfg_getstr(sec, "socket_mode");
	char *end;
	long v;

	v = strtol(s, &end, 8);
	if (*s == '\0' || *end != '\0' || v < 0 || v > 07777)
		conf_msg_error(conf_msg_line(sec, "socket_mode", 0),
		    "socket_mode: expected an octal mode such as \"0660\", got "
		    "\"%s\"",
		    s);
	else
		svc->socket_mode = (mode_t)v;
}

/* socket_owner and socket_group: names or ids; none: the master's. */
static void
conf_key_socket_owner(struct conf *conf, struct service *svc, cfg_t *sec,
    const struct conf_key *k)
{
	const char *s;

	svc->socket_uid = (uid_t)-1;
	svc->socket_gid = (gid_t)-1;
	if ((s = cfg_getstr(sec, "socket_owner")) != NULL)
		conf_resolve_user(s, conf_msg_line(sec, "socket_owner", 0),
		    &svc->socket_uid, NULL);
	if ((s = cfg_getstr(sec, "socket_group")) != NULL)
		conf_resolve_group(s, conf_msg_line(sec, "socket_group", 0),
		    &svc->socket_gid);
}

/* Spares are forked connection children: fork mode only. */
static void
conf_key_fork_ahead(struct conf *conf, struct service *svc, cfg_t *sec,
    const struct conf_key *k)
{
	if (svc->mode == MODE_FORK)
		return;
	if (conf_msg_line(sec, "fork_ahead", 0) > 0 && svc->fork_ahead > 0)
		conf_msg_warning(conf_msg_line(sec, "fork_ahead", 0),
		    "service %s: fork_ahead only applies to mode = "
		    "fork; ignored",
		    svc->name);
	svc->fork_ahead = 0;
}

/* max_workers bounds the prefork pool: its other sizes must fit. */
static void
conf_key_pool(struct conf *conf, struct service *svc, cfg_t *sec,
    const struct conf_key *k)
{
	if (svc->mode != MODE_PREFORK)
		return;
	if (svc->workers > svc->max_workers)
		conf_msg_error(conf_msg_line_or(sec, "workers", svc->line),
		    "service %s: workers (%d) exceeds max_workers (%d)",
		    svc->name, svc->workers, svc->max_workers);
	if (svc->min_spare > svc->max_spare)
		conf_msg_error(conf_msg_line_or(sec, "min_spare", svc->line),
		    "service %s: min_spare (%d) exceeds max_spare (%d)",
		    svc->name, svc->min_spare, svc->max_spare);
	if (svc->min_spare > svc->max_workers)
		conf_msg_error(conf_msg_line_or(sec, "min_spare", svc->line),
		    "service %s: min_spare (%d) exceeds max_workers (%d)",
		    svc->name, svc->min_spare, svc->max_workers);
}

static void
conf_build_acl(cfg_t *sec, const char *key, struct acl_rule **rules,
    size_t *nrules)
{
	char err[256];
	unsigned int i, n = cfg_size(sec, key);

	if (n == 0 || (*rules = calloc(n, sizeof(**rules))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (acl_parse(cfg_getnstr(sec, key, i), &(*rules)[*nrules], err,
			sizeof(err)) == -1) {
			conf_msg_error(conf_msg_line(sec, key, i), "%s: %s",
			    key, err);
			continue;
		}
		(*nrules)++;
	}
}

static void
conf_key_allow(struct conf *conf, struct service *svc, cfg_t *sec,
    const struct conf_key *k)
{
	conf_build_acl(sec, k->name, &svc->allow, &svc->nallow);
}

static void
conf_key_deny(struct conf *conf, struct service *svc, cfg_t *sec,
    const struct conf_key *k)
{
	conf_build_acl(sec, k->name, &svc->deny, &svc->ndeny);
}

#define KEY_INT(name, def, min, max, at, fn)                                   \
	{                                                                      \
		name, CONF_KEY_INT, def, NULL, min, max, at, fn                \
	}
#define KEY_BOOL(name, def, at)                                                \
	{                                                                      \
		name, CONF_KEY_BOOL, def, NULL, 0, 0, at, NULL                 \
	}
#define KEY_PATH(name, def, at)                                                \
	{                                                                      \
		name, CONF_KEY_PATH, 0, def, 0, 0, at, NULL                    \
	}
#define KEY_STR(name, def, fn)                                                 \
	{                                                                      \
		name, CONF_KEY_STR, 0, def, 0, 0, 0, fn                        \
	}
#define KEY_LIST(name, fn)                                                     \
	{                                                                      \
		name, CONF_KEY_LIST, 0, NULL, 0, 0, 0, fn                      \
	}
#define GLOBAL(field)  offsetof(struct conf, field)
#define SERVICE(field) offsetof(struct service, field)

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
	KEY_BOOL("enabled", true, SERVICE(enabled)),	/* conf.c sets aside */
	KEY_STR("user", NULL, conf_key_service_identity), /* and group */
	KEY_STR("group", NULL, NULL),			/* with user */
	KEY_LIST("listen", conf_key_listen),
	KEY_STR("module", NULL, NULL),	/* conf-mod.c: pass 1, conf_mod_build */
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
		k = conf_keys_row(conf_keys_global, NKEYS(conf_keys_global),
		    name);
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
		conf_msg_error(cfg->line, "%s: expected an integer, got \"%s\"",
		    opt->name, value);
		return 0;
	}
	if (k != NULL && (v < k->min || v > k->max)) {
		conf_msg_error(cfg->line,
		    "%s: %ld is out of range (%ld to %ld)", opt->name, v,
		    k->min, k->max);
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
		conf_msg_error(cfg->line,
		    "%s: expected true or false, got \"%s\"", opt->name, value);
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
		return (cfg_opt_t)CFG_INT_CB(k->name, k->def, CFGF_NONE,
		    conf_parse_int);
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
		opts[i].validcb = conf_msg_note;
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
				conf_msg_error(conf_msg_line(sec, k->name, 0),
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

/* ------------------------------------------------------------- exported */

/* Is name a key of a service (and so no module's block)? */
bool
conf_keys_in_service(const char *name)
{
	return conf_keys_row(conf_keys_service, NKEYS(conf_keys_service),
		   name) != NULL;
}

/* The options of a service, with room for `extra' more. */
cfg_opt_t *
conf_keys_service_opts(size_t extra)
{
	return conf_keys_opts(conf_keys_service, NKEYS(conf_keys_service),
	    extra);
}

/* The root of pass 2: the global keys and the service section. */
cfg_opt_t *
conf_keys_root_opts(cfg_opt_t *svc)
{
	cfg_opt_t *root;
	size_t n = NKEYS(conf_keys_global);

	if ((root = conf_keys_opts(conf_keys_global, n, 1)) == NULL)
		return NULL;
	root[n] = (cfg_opt_t)CFG_SEC("service", svc, CFGF_MULTI | CFGF_TITLE);
	root[n].validcb = conf_msg_note;
	return root;
}

void
conf_keys_build_global(struct conf *conf)
{
	conf_keys_build(conf_keys_global, NKEYS(conf_keys_global), conf, NULL,
	    conf->cfg);
}

/* Each row's key of sec as `key = value', or a comment when not set. */
static void
conf_keys_print(const struct conf_key *keys, size_t n, cfg_t *sec, FILE *fp,
    int indent)
{
	size_t i;

	for (i = 0; i < n; i++)
		cfg_opt_print_indent(cfg_getopt(sec, keys[i].name), fp, indent);
}

void
conf_keys_print_global(cfg_t *cfg, FILE *fp)
{
	conf_keys_print(conf_keys_global, NKEYS(conf_keys_global), cfg, fp, 0);
}

void
conf_keys_print_service(cfg_t *sec, FILE *fp)
{
	conf_keys_print(conf_keys_service, NKEYS(conf_keys_service), sec, fp,
	    1);
}

void
conf_keys_build_service(struct conf *conf, struct service *svc, cfg_t *sec)
{
	conf_keys_build(conf_keys_service, NKEYS(conf_keys_service), conf, svc,
	    sec);
}
