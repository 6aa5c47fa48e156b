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
 * The syntax is libConfuse's, and a load runs in this order:
 *
 * 1. conf_include_text() (conf-include.c) reads the file whole, once it
 *    is trusted (trust.c), and every file it includes; conf_scan()
 *    (conf-scan.c) checks each text for what libConfuse would misread or
 *    report far from its cause -- a NUL byte, a string, comment, block or
 *    list left open -- and blanks the comments out, so that libConfuse's
 *    line numbers are right.
 *
 * 2. Pass 1 (conf-mod.c) learns each service's module and loads it: a
 *    module declares the options of its block, so the full schema is only
 *    known then.
 *
 * 3. Pass 2 parses with the full schema: the keys (conf-keys.c) and a
 *    block per loaded module.  libConfuse stops at the first error of its
 *    own; to go on, it runs with CFGF_KEYSTRVAL (an unknown `key = value'
 *    is reported and kept aside rather than fatal), integers and booleans
 *    are parsed by our callbacks, and every value's line is recorded
 *    (conf-msg.c) so that checks made after parsing still name FILE:LINE.
 *    A real syntax error stops the file, which is reported and is enough.
 *
 * 4. Building: the global keys, then each service's keys, its module and
 *    the checks across keys and services (addresses bound twice).
 *
 * The parse context is static: conf_load runs in the master's main thread,
 * one load at a time.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "sockservd.h"

/* Pass 2: the full schema, every error reported. */
static cfg_t *
conf_pass2(const char *buf, size_t len)
{
	cfg_opt_t *svc, *root;
	cfg_t *cfg;

	if ((svc = conf_mod_schema()) == NULL)
		return NULL;
	if ((root = conf_keys_root_opts(svc)) == NULL) {
		conf_mod_schema_free(svc);
		return NULL;
	}
	cfg = cfg_init(root, CFGF_KEYSTRVAL);
	free(root);
	conf_mod_schema_free(svc);
	if (cfg == NULL)
		return NULL;
	conf_msg_root(cfg);
	if (conf_msg_parse(cfg, buf, len) != CFG_SUCCESS) {
		if (conf_msg_errors() == 0)
			conf_msg_error(0, "cannot parse: %s", strerror(errno));
		cfg_free(cfg);
		cfg = NULL;
	}
	conf_msg_root(cfg);
	return cfg;
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
			conf_msg_warning(conf_msg_line(sec, keys[i], 0),
			    "service %s: %s does not apply to Unix sockets; "
			    "ignored",
			    svc->name, keys[i]);
}

static struct service *
conf_build_service(struct conf *conf, cfg_t *sec)
{
	struct service *svc;

	if ((svc = calloc(1, sizeof(*svc))) == NULL)
		return NULL;
	TAILQ_INSERT_TAIL(&conf->services, svc, entry);
	svc->name = strdup(cfg_title(sec));
	svc->line = conf_msg_service_line(cfg_title(sec), sec->line);
	conf_keys_build_service(conf, svc, sec);
	conf_check_acl_scope(svc, sec);
	conf_mod_build(svc, sec);
	conf_mod_check(svc, sec);
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
conf_addr_find(const struct service *svc, size_t n,
    const struct sockserv_addr *a)
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
	int i, line;

	for (j = 0; j < b->naddrs; j++) {
		if (b->addrs[j].family == AF_UNSPEC)
			continue;
		if ((i = conf_addr_find(b, j, &b->addrs[j])) != -1) {
			line = conf_msg_line(sec, "listen", j);
			conf_msg_error(line,
			    "service %s: duplicate address %s in listen "
			    "(first at %s)",
			    b->name, b->urls[j],
			    conf_msg_where(line,
				conf_msg_line(sec, "listen", i)));
			continue;
		}
		if (!b->enabled)
			continue; /* it may share an address it will not bind */
		TAILQ_FOREACH(a, &conf->services, entry) {
			if (a == b)
				break;
			if (conf_addr_find(a, a->naddrs, &b->addrs[j]) == -1)
				continue;
			conf_msg_error(conf_msg_line(sec, "listen", j),
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

	conf_keys_build_global(conf);
	for (i = 0; i < n; i++) {
		sec = cfg_getnsec(conf->cfg, "service", i);
		if ((svc = conf_build_service(conf, sec)) == NULL) {
			conf_msg_error(0, "%s", strerror(errno));
			continue;
		}
		conf_check_addresses(conf, svc, sec);
		/* Checked like the others, but nothing else may see it. */
		if (!svc->enabled) {
			TAILQ_REMOVE(&conf->services, svc, entry);
			TAILQ_INSERT_TAIL(&conf->disabled, svc, entry);
		}
	}
}

/* ------------------------------------------------------------- exported */

static struct conf *
conf_new(const char *path)
{
	struct conf *conf;

	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		return NULL;
	TAILQ_INIT(&conf->services);
	TAILQ_INIT(&conf->disabled);
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
	char *buf;
	size_t len = 0;

	conf_mod_reset();
	conf_msg_reset(path);
	if ((buf = conf_include_text(path, &len)) == NULL)
		goto out;
	conf_mod_pass1(buf, len);
	if ((conf = conf_new(path)) == NULL) {
		conf_msg_error(0, "%s", strerror(errno));
		goto out;
	}
	if ((conf->cfg = conf_pass2(buf, len)) == NULL) {
		conf_mod_report();
		goto out;
	}
	conf_build(conf);
out:
	free(buf);
	conf_msg_flush();
	if (conf_msg_errors() > 0 && conf != NULL) {
		conf_free(conf);
		conf = NULL;
	}
	conf_mod_reset();
	conf_msg_reset(NULL);
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

/* Take every service off list, keeping its module for later in mods. */
static void
conf_services_free(struct service_list *list, struct module **mods, size_t *n)
{
	struct service *svc;

	while ((svc = TAILQ_FIRST(list)) != NULL) {
		TAILQ_REMOVE(list, svc, entry);
		if (mods != NULL)
			mods[(*n)++] = svc->module;
		else
			module_close(svc->module);
		conf_service_free(svc);
	}
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
	TAILQ_FOREACH(svc, &conf->disabled, entry)
		n++;
	mods = calloc(n + 1, sizeof(*mods));
	n = 0;
	conf_services_free(&conf->services, mods, &n);
	conf_services_free(&conf->disabled, mods, &n);
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
	if ((size_t)mode < sizeof(conf_keys_modes) / sizeof(conf_keys_modes[0]))
		return conf_keys_modes[mode];
	return "unknown";
}

/* The service titled name, enabled or not. */
static struct service *
conf_service_find(struct conf *conf, const char *name)
{
	struct service *svc;

	TAILQ_FOREACH(svc, &conf->services, entry)
		if (strcmp(svc->name, name) == 0)
			return svc;
	TAILQ_FOREACH(svc, &conf->disabled, entry)
		if (strcmp(svc->name, name) == 0)
			return svc;
	return NULL;
}

/*
 * sockservd -T: what a load made of the files, includes expanded, in
 * the syntax of sockserv.conf(5), so that it loads again to the same.
 * Every key is printed with its value or default (commented out when it
 * has none), module_dir with the directory modules were found in, and
 * each service's module block with that module's defaults.
 */
int
conf_print(struct conf *conf, FILE *fp)
{
	struct service *svc;
	unsigned int i, n = cfg_size(conf->cfg, "service");
	const char *dir = conf_mod_dir(NULL);
	char *abs = NULL;
	cfg_t *sec;
	int rc;

	fprintf(fp,
	    "# sockservd -T: the effective configuration, every "
	    "default filled in\n");
	/* module_dir must be absolute; SOCKSERV_MODULE_DIR need not be. */
	if (dir[0] != '/' && (abs = realpath(dir, NULL)) != NULL)
		dir = abs;
	rc = cfg_getstr(conf->cfg, "module_dir") != NULL
	    ? 0
	    : cfg_setstr(conf->cfg, "module_dir", dir);
	free(abs);
	if (rc != 0)
		return -1;
	conf_keys_print_global(conf->cfg, fp);
	for (i = 0; i < n; i++) {
		sec = cfg_getnsec(conf->cfg, "service", i);
		if ((svc = conf_service_find(conf, cfg_title(sec))) == NULL)
			continue;
		fprintf(fp, "\nservice \"%s\" {\n", svc->name);
		conf_keys_print_service(sec, fp);
		if (svc->modopts != NULL)
			cfg_opt_print_indent(cfg_getopt(sec,
						 svc->module->desc->name),
			    fp, 1);
		fprintf(fp, "}\n");
	}
	return fflush(fp) == EOF || ferror(fp) ? -1 : 0;
}
