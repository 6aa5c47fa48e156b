/*
 * conf-mod.c -- the modules of a configuration load.
 *
 * A service's module declares the options of its `NAME { }' block, so
 * the schema is only known once the modules are loaded.  Pass 1
 * (conf_mod_pass1) parses with a minimal schema that ignores unknown
 * keys and learns module_dir and each service's `module', and loads
 * those modules (module.c), each file once per load; pass 2's service
 * section (conf_mod_schema) then accepts the block of every loaded
 * module, and a block for a module the service does not use is an
 * error of ours (conf_mod_build).  libConfuse 3.3 cannot skip an
 * unknown block and go on, so pass 1 also declares an empty, ignored
 * block for each module file it can see in the module directory, and
 * runs again when a module turns out to be named unlike its file.
 *
 * Building a service then takes its module from here, checks it serves
 * every listen type and the mode, and runs the module's own check of its
 * block (conf_mod_check).  The loaded modules are released by
 * conf_mod_reset(); a conf keeps its own references.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockservd.h"

#ifndef PKGLIBDIR
#define PKGLIBDIR "/usr/local/lib/sockserv"
#endif

#define CONF_MAXCAND 128 /* pass-1 block names */
#define CONF_PASSES  3	 /* rounds of pass 1 (block names) */

/* A module file loaded for this load, shared by its services. */
struct conf_mod {
	char *ref;	  /* `module' as written */
	char *path;	  /* resolved */
	struct module *m; /* NULL: failed, see err */
	char err[512];
};

static struct {
	struct conf_mod *mods;
	size_t nmods;
	char *cand[CONF_MAXCAND];
	size_t ncand;
} cx;

static cfg_opt_t conf_empty_opts[] = {CFG_END()};

/* Unload what the last load loaded (a conf holds its own references). */
void
conf_mod_reset(void)
{
	size_t i;

	for (i = 0; i < cx.nmods; i++) {
		module_close(cx.mods[i].m);
		free(cx.mods[i].ref);
		free(cx.mods[i].path);
	}
	free(cx.mods);
	for (i = 0; i < cx.ncand; i++)
		free(cx.cand[i]);
	memset(&cx, 0, sizeof(cx));
}

/* ------------------------------------------------------------- loading */

static void
conf_cand_add(const char *name)
{
	size_t i;

	if (name == NULL || *name == '\0' || cx.ncand == CONF_MAXCAND ||
	    conf_keys_in_service(name))
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
void
conf_mod_report(void)
{
	size_t i;

	for (i = 0; i < cx.nmods; i++)
		if (cx.mods[i].m == NULL)
			conf_msg_error(0, "module %s: %s", cx.mods[i].ref,
			    cx.mods[i].err);
}

/* The directory for `module = NAME': config, environment, build default. */
const char *
conf_mod_dir(const char *configured)
{
	const char *env;

	if (configured != NULL)
		return configured;
	if ((env = getenv("SOCKSERV_MODULE_DIR")) != NULL && *env != '\0')
		return env;
	return PKGLIBDIR;
}

/* ------------------------------------------------------------- pass 1 */

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

	conf_msg_quiet(true);
	cfg = cfg_init(root, CFGF_IGNORE_UNKNOWN);
	free(svc);
	if (cfg == NULL) {
		conf_msg_quiet(false);
		return false;
	}
	/* A failed pass 1 still holds what came before the failure. */
	(void)conf_msg_parse(cfg, buf, len);
	conf_msg_quiet(false);

	dir = conf_mod_dir(cfg_getstr(cfg, "module_dir"));
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

/* Pass 1, until it has seen the name of every block it must skip. */
void
conf_mod_pass1(const char *buf, size_t len)
{
	int round;

	conf_cand_scan(conf_mod_dir(NULL));
	for (round = 0; round < CONF_PASSES; round++)
		if (!conf_pass1(buf, len))
			break;
}

/* ----------------------------------------------------- pass 2's schema */

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
			copy[i].validcb = conf_msg_note;
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

/* Free what conf_mod_schema() returned. */
void
conf_mod_schema_free(cfg_opt_t *svc)
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
cfg_opt_t *
conf_mod_schema(void)
{
	cfg_opt_t *svc, *sub;
	const struct sockserv_module *d;
	size_t i, n;

	if ((svc = conf_keys_service_opts(cx.nmods)) == NULL)
		return NULL;
	n = conf_nopts(svc);
	for (i = 0; i < cx.nmods; i++) {
		if (cx.mods[i].m == NULL)
			continue;
		d = cx.mods[i].m->desc;
		if (conf_opts_has(svc, d->name))
			continue; /* a key, or the same name twice */
		if (d->options == NULL)
			sub = conf_empty_opts;
		else if ((sub = conf_opts_copy(d->options, 0)) == NULL) {
			conf_mod_schema_free(svc);
			return NULL;
		}
		svc[n] = (cfg_opt_t)CFG_SEC(d->name, sub, CFGF_NONE);
		svc[n++].validcb = conf_msg_note;
	}
	return svc;
}

/* ------------------------------------------------------------ building */

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
		if ((line = conf_msg_line(sec, name, 0)) != 0)
			conf_msg_error(line,
			    "service %s: block %s is for module %s, but the "
			    "service uses %s",
			    svc->name, name, name,
			    svc->module != NULL ? svc->module->desc->name
						: "another module");
	}
}

/* The module: loaded, serving every listen type, fit for the mode. */
void
conf_mod_build(struct service *svc, cfg_t *sec)
{
	const struct sockserv_module *d;
	const char *ref = cfg_getstr(sec, "module");
	int line = conf_msg_line(sec, "module", 0);
	size_t i;
	struct conf_mod *cm = NULL;

	if (ref == NULL) {
		conf_msg_error(svc->line, "service %s: module is required",
		    svc->name);
		conf_check_blocks(svc, sec);
		return;
	}
	for (i = 0; i < cx.nmods && cm == NULL; i++)
		if (strcmp(cx.mods[i].ref, ref) == 0)
			cm = &cx.mods[i];
	if (cm == NULL || cm->m == NULL) {
		conf_msg_error(line, "service %s: %s", svc->name,
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
		conf_msg_error(conf_msg_line_or(sec, "mode", line),
		    "service %s: mode thread, but module %s is not thread-safe",
		    svc->name, d->name);
	for (i = 0; i < svc->naddrs; i++) {
		if (svc->addrs[i].socktype == SOCK_STREAM &&
		    !(d->socktypes & SOCKSERV_MOD_STREAM))
			conf_msg_error(conf_msg_line(sec, "listen", i),
			    "service %s: module %s does not serve stream "
			    "sockets (%s)",
			    svc->name, d->name, svc->urls[i]);
		if (svc->addrs[i].socktype == SOCK_DGRAM &&
		    !(d->socktypes & SOCKSERV_MOD_DGRAM))
			conf_msg_error(conf_msg_line(sec, "listen", i),
			    "service %s: module %s does not serve datagram "
			    "sockets (%s)",
			    svc->name, d->name, svc->urls[i]);
	}
	if (d->options != NULL)
		svc->modopts = cfg_getsec(sec, d->name);
}

/* The module's own check of its block, with the environment it will get. */
void
conf_mod_check(struct service *svc, cfg_t *sec)
{
	const struct sockserv_module *d;
	int before = conf_msg_errors(), line;

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
	if (svc->modopts != NULL && (line = conf_msg_line(sec, d->name, 0)) > 0)
		svc->modopts->line = line;
	if (d->check(svc->modopts, &svc->env) == 0)
		return;
	if (conf_msg_errors() == before)
		conf_msg_error(svc->line,
		    "service %s: module %s rejected its options", svc->name,
		    d->name);
}
