/*
 * listener.c -- the listener table: every listening socket the master
 * holds, which outlives configurations.
 *
 * A reload is a diff of the table against the new configuration: an
 * address present in both keeps its very socket (no connection refused
 * while reloading) and takes the new backlog and file mode; new addresses
 * are bound before anything changes (listener_bind: a failure undoes the
 * whole attempt); the new services become the owners once the new
 * configuration is applied (listener_commit); the addresses it dropped
 * are closed only once the new generation is running (listener_prune).
 * A Unix socket's file is bound through its directory, opened by the
 * rules of safefile.c, and only the inode bound is ever changed or
 * removed.  A forked child closes what it must not hold in
 * child_close_master(), which asks listener_child_close() for it.
 *
 * Sockets passed by systemd (socket activation) enter the table before
 * the first bind, without an owner (listener_adopt): the first
 * listener_bind finds them as it finds a kept listener, by address, and
 * the start-up's listener_prune closes those no service claimed.  Their
 * files are systemd's: never chmod'ed, chown'ed or removed here.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockservd.h"

struct listener_list listener_all = TAILQ_HEAD_INITIALIZER(listener_all);

static bool
listener_is_unix(const struct listener *l)
{
	return l->addr.family == AF_UNIX;
}

static const char *
listener_unix_path(const struct listener *l)
{
	const struct sockaddr_un *sun;

	sun = (const struct sockaddr_un *)(const void *)&l->addr.sa;
	return sun->sun_path;
}

/* The socket file's name in its directory l->dirfd. */
static const char *
listener_unix_name(const struct listener *l)
{
	return strrchr(listener_unix_path(l), '/') + 1;
}

/*
 * Give a Unix socket file its configured owner and mode, on the inode
 * bound (safefile.c): a file put in its place since is left alone.
 */
static int
listener_unix_file(struct listener *l, const struct service *svc, char *err,
    size_t errlen)
{
	return safefile_chattr(l->dirfd, listener_unix_name(l), l->dev, l->ino,
	    svc->socket_uid, svc->socket_gid, svc->socket_mode, err, errlen);
}

/*
 * Bind l's Unix socket in its directory, opened by the rules of
 * safefile.c and made the working directory for the bind, so that no
 * component of the path is looked up again; remember the inode bound, so
 * that only it is ever changed or removed.
 */
static int
listener_unix_listen(struct listener *l, const struct service *svc,
    const struct sockserv_options *opt, char *err, size_t errlen)
{
	struct sockserv_addr rel = l->addr;
	struct sockaddr_un *sun = (struct sockaddr_un *)(void *)&rel.sa;
	const char *name;
	struct stat st;
	int cwd, fd, saved;

	l->dirfd =
	    safefile_opendir(listener_unix_path(l), 0, &name, err, errlen);
	if (l->dirfd == -1 ||
	    safefile_removable(l->dirfd, svc->socket_uid, err, errlen) == -1)
		return -1;
	snprintf(sun->sun_path, sizeof(sun->sun_path), "%s", name);
	rel.len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(name) + 1);
	if ((cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		goto fail;
	fd = fchdir(l->dirfd) == 0 ? sockserv_listen(&rel, opt) : -1;
	saved = errno;
	/* Paths are absolute once started: "/" serves as well. */
	if (fchdir(cwd) == -1 && chdir("/") == -1)
		log_warn("chdir /");
	close(cwd);
	errno = saved;
	if ((l->fd = fd) == -1)
		goto fail;
	if (fstatat(l->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		goto fail;
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	return listener_unix_file(l, svc, err, errlen);
fail:
	snprintf(err, errlen, "%s", strerror(errno));
	return -1;
}

static void
listener_free(struct listener *l)
{
	int saved = errno;

	TAILQ_REMOVE(&listener_all, l, entry);
	if (l->dirfd != -1) {
		if (l->fd != -1 &&
		    safefile_unlinkat(l->dirfd, listener_unix_name(l), l->dev,
			l->ino) == -1)
			log_warn("%s: cannot remove the socket file",
			    listener_unix_path(l));
		close(l->dirfd);
	}
	if (l->fd != -1)
		close(l->fd);
	arena_free(l->hot);
	free(l);
	errno = saved;
}

static struct listener *
listener_find(const struct sockserv_addr *a, const char *url)
{
	struct listener *l;

	TAILQ_FOREACH(l, &listener_all, entry)
		if (!l->claimed && l->addr.socktype == a->socktype &&
		    strcmp(l->url, url) == 0)
			return l;
	return NULL;
}

static void
listener_sockopts(const struct service *svc, struct sockserv_options *opt)
{
	sockserv_options_init(opt);
	opt->request_queue_size = svc->request_queue_size;
	opt->allow_reuse_address = svc->reuse_addr;
	opt->allow_reuse_port = svc->reuse_port;
	/*
	 * libsockserv's chmod after bind goes by name: owner only, until
	 * listener_unix_file gives the inode recorded at bind its configured
	 * owner and mode (safefile_chattr), the one place that does.
	 */
	opt->socket_mode = S_IRUSR | S_IWUSR;
}

/* A blank record, its hot part in the arena; NULL with errno set. */
static struct listener *
listener_alloc(void)
{
	struct listener *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	if ((l->hot = arena_calloc(1, sizeof(*l->hot))) == NULL) {
		free(l);
		return NULL;
	}
	l->fd = l->dirfd = -1;
	return l;
}

/*
 * Bind a new listener for svc's address i; svc stays NULL until commit.
 * On failure, the reason in err.
 */
static struct listener *
listener_new(struct service *svc, size_t i, const char *url, char *err,
    size_t errlen)
{
	struct sockserv_options opt;
	struct listener *l;
	int rv = 0;

	if ((l = listener_alloc()) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	l->addr = svc->addrs[i];
	snprintf(l->url, sizeof(l->url), "%s", url);
	l->claimed = true;
	TAILQ_INSERT_TAIL(&listener_all, l, entry);
	listener_sockopts(svc, &opt);
	if (listener_is_unix(l))
		rv = listener_unix_listen(l, svc, &opt, err, errlen);
	else if ((l->fd = sockserv_listen(&l->addr, &opt)) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		rv = -1;
	}
	if (rv == -1) {
		listener_free(l);
		return NULL;
	}
	return l;
}

/* A kept listener takes the new configuration's backlog and file mode. */
static void
listener_update(struct listener *l, const struct service *svc)
{
	char err[SAFEFILE_ERRLEN];

	if (l->addr.socktype == SOCK_STREAM &&
	    listen(l->fd, svc->request_queue_size) == -1)
		log_warn("service %s: %s: listen", svc->name, l->url);
	if (listener_is_unix(l) && l->dirfd != -1 &&
	    listener_unix_file(l, svc, err, sizeof(err)) == -1)
		log_warnx("service %s: %s: socket file: %s", svc->name, l->url,
		    err);
}

/* Forget a failed attempt: close what it bound, unclaim what it kept. */
static void
listener_bind_undo(void)
{
	struct listener *l, *tmp;

	for (l = TAILQ_FIRST(&listener_all); l != NULL; l = tmp) {
		tmp = TAILQ_NEXT(l, entry);
		if (l->svc == NULL)
			listener_free(l);
		else
			l->claimed = false;
	}
}

/*
 * Find or bind a listener for every address of every service of conf and
 * record its fd in svc->fds[i].  Nothing in the running state changes
 * (owners are set by listener_commit), so a failure can be undone entirely:
 * the cause is logged as `service NAME: ADDRESS: reason' and -1 returned.
 */
int
listener_bind(struct conf *conf)
{
	struct service *svc;
	struct listener *l;
	char url[SOCKSERV_ADDRSTRLEN], err[SAFEFILE_ERRLEN];
	size_t i;

	TAILQ_FOREACH(svc, &conf->services, entry) {
		/* conf.c allocates it; be safe with a conf that did not. */
		if (svc->fds == NULL &&
		    (svc->fds = calloc(svc->naddrs + 1, sizeof(*svc->fds))) ==
			NULL) {
			log_warn("service %s", svc->name);
			listener_bind_undo();
			return -1;
		}
		for (i = 0; i < svc->naddrs; i++) {
			sockserv_addr_format(&svc->addrs[i], url, sizeof(url));
			if ((l = listener_find(&svc->addrs[i], url))) {
				l->claimed = true;
				listener_update(l, svc);
			} else if ((l = listener_new(svc, i, url, err,
					sizeof(err))) == NULL) {
				log_warnx("service %s: %s: %s", svc->name,
				    svc->urls[i], err);
				listener_bind_undo();
				return -1;
			}
			svc->fds[i] = l->fd;
		}
	}
	return 0;
}

/*
 * conf's listeners are bound: make conf's services their owners.  Every
 * listener not claimed stays with its old owner until listener_prune().
 */
void
listener_commit(struct conf *conf)
{
	struct service *svc;
	struct listener *l;
	size_t i;

	TAILQ_FOREACH(svc, &conf->services, entry)
		for (i = 0; i < svc->naddrs; i++)
			TAILQ_FOREACH(l, &listener_all, entry)
				if (l->claimed && l->fd == svc->fds[i])
					l->svc = svc;
}

/* Close the listeners the new configuration dropped; reset the marks. */
void
listener_prune(void)
{
	struct listener *l, *tmp;

	for (l = TAILQ_FIRST(&listener_all); l != NULL; l = tmp) {
		tmp = TAILQ_NEXT(l, entry);
		if (!l->claimed) {
			if (l->svc != NULL)
				log_info("service %s: %s: closed", l->svc->name,
				    l->url);
			else
				log_warnx("%s: passed by systemd, but no "
					  "service listens there: closed",
				    l->url);
			listener_free(l);
		} else
			l->claimed = false;
	}
}

/*
 * fd's address and type, as the config's parser would give them: `*'
 * for an inherited wildcard (dual-stack [::], or 0.0.0.0).
 */
static int
listener_sockname(int fd, struct sockserv_addr *a)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)&a->sa;
	struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&a->sa;
	socklen_t len = sizeof(a->socktype);
	int v6only = 1;

	memset(a, 0, sizeof(*a));
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &a->socktype, &len) == -1)
		return -1;
	a->len = sizeof(a->sa);
	if (getsockname(fd, (struct sockaddr *)&a->sa, &a->len) == -1)
		return -1;
	a->family = a->sa.ss_family;
	len = sizeof(v6only);
	if (a->family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr) &&
	    getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &len) == 0)
		a->wildcard = v6only == 0;
	if (a->family == AF_INET && s4->sin_addr.s_addr == htonl(INADDR_ANY))
		a->wildcard = true;
	if ((a->socktype != SOCK_STREAM && a->socktype != SOCK_DGRAM) ||
	    (a->family != AF_INET && a->family != AF_INET6 &&
		a->family != AF_UNIX)) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	return 0;
}

/*
 * Take the n sockets systemd passed from fd first on (names: theirs, or
 * NULL) into the table, owned by no service until the first
 * listener_bind claims them by address.  One that is not a socket the
 * daemon can serve is logged and closed.  Returns 0, or -1 (logged).
 */
int
listener_adopt(int first, int n, char **names)
{
	struct listener *l;
	int i, fd;

	for (i = 0; i < n; i++) {
		fd = first + i;
		if ((l = listener_alloc()) == NULL) {
			log_warn("socket activation");
			return -1;
		}
		l->fd = fd;
		/* The master's accept loop relies on EAGAIN, as workers'. */
		if (listener_sockname(fd, &l->addr) == -1 ||
		    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1 ||
		    sockserv_addr_format(&l->addr, l->url, sizeof(l->url)) <
			0) {
			log_warn("descriptor %d passed by systemd (%s): closed",
			    fd, names != NULL ? names[i] : "unnamed");
			close(fd);
			arena_free(l->hot);
			free(l);
			continue;
		}
		TAILQ_INSERT_TAIL(&listener_all, l, entry);
		log_debug("%s: passed by systemd (%s)", l->url,
		    names != NULL ? names[i] : "unnamed");
	}
	return 0;
}

void
listener_close_all(void)
{
	struct listener *l;

	while ((l = TAILQ_FIRST(&listener_all)) != NULL)
		listener_free(l);
}

/*
 * In a forked child: add every listener but keep_svc's or keep_fd to the
 * descriptors run closes.  The
 * records are left as they are: the child never looks at them again, and
 * each page it wrote would be a copy-on-write fault.
 */
void
listener_child_close(const struct service *keep_svc, int keep_fd,
    struct os_fdrun *run)
{
	struct listener *l;

	TAILQ_FOREACH(l, &listener_all, entry) {
		os_fdrun_add(run, l->dirfd);
		if (l->fd == -1 || l->fd == keep_fd ||
		    (keep_svc != NULL && l->svc == keep_svc))
			continue;
		os_fdrun_add(run, l->fd);
	}
}
