/*
 * module.c -- loading handler modules and checking their descriptors.
 *
 * It owns the life of a loaded module: the file is opened once, checked
 * (StrictModes when running as root, see trust.c), and dlopen()ed through
 * /proc/self/fd/N, so what is mapped is exactly the inode that was checked.
 * The descriptor is kept open while the module is loaded: it keeps the
 * /proc name unique among loaded objects, and the dynamic loader treats a
 * file replaced on disk (a new inode) as a new object, so a configuration
 * loaded after an upgrade maps the new code while workers of the old
 * generation keep the old mapping.
 *
 * The exported descriptor is checked in a fixed order, ABI version first,
 * because nothing else in it can be read safely from a module built for
 * another ABI.  Loaded modules are shared: opening a file whose inode is
 * already loaded returns the same struct module with one more reference,
 * which is how successive configurations share unchanged modules.  Only
 * the master's main thread calls these functions.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockservd.h"

#define MODULE_MAX 64 /* loaded at once: generous for a daemon */

static struct module *modules[MODULE_MAX];

static struct module *
module_find(dev_t dev, ino_t ino)
{
	size_t i;

	for (i = 0; i < MODULE_MAX; i++)
		if (modules[i] != NULL && modules[i]->dev == dev &&
		    modules[i]->ino == ino)
			return modules[i];
	return NULL;
}

static int
module_register(struct module *m)
{
	size_t i;

	for (i = 0; i < MODULE_MAX; i++)
		if (modules[i] == NULL) {
			modules[i] = m;
			return 0;
		}
	errno = EMFILE;
	return -1;
}

static void
module_unregister(struct module *m)
{
	size_t i;

	for (i = 0; i < MODULE_MAX; i++)
		if (modules[i] == m)
			modules[i] = NULL;
}

/*
 * Check the descriptor: ABI first, then what the daemon relies on.  On
 * failure writes the reason, naming path, to err.
 */
static int
module_check_desc(const struct sockserv_module *d, const char *path, char *err,
    size_t errlen)
{
	unsigned int known = SOCKSERV_MOD_STREAM | SOCKSERV_MOD_DGRAM;

	if (d->abi != SOCKSERV_MODULE_ABI) {
		snprintf(err, errlen, "%s: module ABI %u, expected %u", path,
		    d->abi, SOCKSERV_MODULE_ABI);
		return -1;
	}
	if (d->name == NULL || d->name[0] == '\0') {
		snprintf(err, errlen, "%s: module has no name", path);
		return -1;
	}
	if (d->socktypes == 0 || (d->socktypes & ~known) != 0) {
		snprintf(err, errlen,
		    "%s: module %s declares socket types %#x (expected stream "
		    "and/or datagram)",
		    path, d->name, d->socktypes);
		return -1;
	}
	if ((d->socktypes & SOCKSERV_MOD_STREAM) && d->stream == NULL) {
		snprintf(err, errlen,
		    "%s: module %s serves stream sockets but has no stream "
		    "handler",
		    path, d->name);
		return -1;
	}
	if ((d->socktypes & SOCKSERV_MOD_DGRAM) && d->dgram == NULL) {
		snprintf(err, errlen,
		    "%s: module %s serves datagram sockets but has no datagram "
		    "handler",
		    path, d->name);
		return -1;
	}
	return 0;
}

/* dlopen the checked descriptor and find and check the module's symbol. */
static int
module_link(struct module *m, char *err, size_t errlen)
{
	char proc[64];
	const char *why;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", m->fd);
	if ((m->dl = dlopen(proc, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		/* dlerror names the /proc path; drop it, name the file. */
		if (why != NULL && strncmp(why, proc, strlen(proc)) == 0 &&
		    strncmp(why + strlen(proc), ": ", 2) == 0)
			why += strlen(proc) + 2;
		snprintf(err, errlen, "%s: cannot load: %s", m->path,
		    why ? why : "unknown error");
		return -1;
	}
	dlerror();
	m->desc = dlsym(m->dl, SOCKSERV_MODULE_SYMBOL);
	if (m->desc == NULL) {
		snprintf(err, errlen,
		    "%s: no symbol %s: not a sockservd module", m->path,
		    SOCKSERV_MODULE_SYMBOL);
		return -1;
	}
	return module_check_desc(m->desc, m->path, err, errlen);
}

static void
module_destroy(struct module *m)
{
	if (m->dl != NULL)
		dlclose(m->dl);
	if (m->fd != -1)
		close(m->fd);
	free(m->path);
	free(m);
}

/*
 * Open, check and load the module at path, or share the loaded module
 * with the same inode.  Returns the module (one reference more), or NULL
 * with a one-line reason naming the file in err.
 */
struct module *
module_open(const char *path, char *err, size_t errlen)
{
	struct module *m, *old;
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if (trust_strict() &&
	    trust_check_file(fd, path, false, err, errlen) == -1) {
		close(fd);
		return NULL;
	}
	if ((old = module_find(st.st_dev, st.st_ino)) != NULL) {
		close(fd);
		old->refs++;
		return old;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(m);
		close(fd);
		return NULL;
	}
	m->fd = fd;
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	m->refs = 1;
	if (module_link(m, err, errlen) == -1) {
		module_destroy(m);
		return NULL;
	}
	if (module_register(m) == -1) {
		snprintf(err, errlen, "%s: too many modules loaded", path);
		module_destroy(m);
		return NULL;
	}
	return m;
}

/* Drop one reference; the last one unloads the module. */
void
module_close(struct module *m)
{
	if (m == NULL || --m->refs > 0)
		return;
	module_unregister(m);
	module_destroy(m);
}
