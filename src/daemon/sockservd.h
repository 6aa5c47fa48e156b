/*
 * sockservd.h -- the daemon's private structures and prototypes, grouped
 * by the file that owns them.  Public API lives in <sockserv.h> and
 * <sockserv/module.h>; nothing here is installed.
 */
#ifndef SOCKSERVD_H
#define SOCKSERVD_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <confuse.h>

#include "sockserv.h"
#include "sockserv/module.h"

/* sysexits(3) codes the daemon uses. */
#define EXIT_USAGE	64	/* EX_USAGE */
#define EXIT_OSERR	71	/* EX_OSERR */
#define EXIT_NOPERM	77	/* EX_NOPERM */
#define EXIT_CONFIG	78	/* EX_CONFIG */

/* ------------------------------------------------------------- log.c */

/*
 * err(3)-style logging.  Until log_open() it writes to stderr; after, to
 * the configured target.  Every function preserves errno.  log_warn
 * appends strerror(errno); the x variants do not.
 */
void	log_init(int verbose);
int	log_open(const char *target, int level, bool foreground);
int	log_reopen(void);
int	log_level_parse(const char *name);	/* syslog prio or -1 */
void	log_vlog(int prio, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));
void	log_msg(int prio, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* ---------------------------------------------------------- module.c */

/*
 * A loaded handler module.  The file is opened once, checked, and
 * dlopen()ed through /proc/self/fd/N so that a module replaced on disk
 * (new inode) is loaded afresh by the next configuration while the old
 * one stays mapped for the workers still using it.
 */
struct module {
	char				*path;
	int				 fd;
	dev_t				 dev;
	ino_t				 ino;
	void				*dl;
	const struct sockserv_module	*desc;
	int				 refs;
};

/* Load path; on failure write a one-line reason naming the file. */
struct module	*module_open(const char *path, char *err, size_t errlen);
void		 module_close(struct module *m);

/* ------------------------------------------------------------- acl.c */

struct acl_rule {
	int	family;		/* AF_INET or AF_INET6 */
	uint8_t	addr[16];
	int	prefixlen;
};

int	acl_parse(const char *cidr, struct acl_rule *out, char *err,
	    size_t errlen);
/* Deny wins; an empty allow list allows all; v4-mapped v6 matches v4. */
bool	acl_match(const struct acl_rule *rules, size_t n,
	    const struct sockaddr *sa);

/* ------------------------------------------------------------ conf.c */

enum svc_mode { MODE_FORK, MODE_PREFORK, MODE_THREAD, MODE_SYNC };

struct service {
	TAILQ_ENTRY(service)	 entry;
	char			*name;
	int			 line;		/* where it is defined */
	char		       **urls;		/* listen, as written */
	struct sockserv_addr	*addrs;		/* listen, resolved */
	size_t			 naddrs;
	char			*module_path;
	struct module		*module;
	cfg_t			*modopts;	/* NAME { } block or NULL */
	enum svc_mode		 mode;
	int			 request_queue_size;
	bool			 reuse_addr;
	bool			 reuse_port;
	mode_t			 socket_mode;
	uid_t			 socket_uid;	/* (uid_t)-1: master's */
	gid_t			 socket_gid;	/* (gid_t)-1: master's */
	int			 timeout;	/* idle seconds; 0 none */
	int			 max_children;
	int			 workers;
	int			 min_spare;
	int			 max_spare;
	int			 max_workers;
	int			 max_requests;
	char			*user;		/* effective; NULL: none */
	char			*group;
	uid_t			 uid;
	gid_t			 gid;
	struct acl_rule		*allow;
	size_t			 nallow;
	struct acl_rule		*deny;
	size_t			 ndeny;
	int			 max_per_source;
	struct sockserv_module_env env;		/* given to the module */
};

TAILQ_HEAD(service_list, service);

struct conf {
	char			*path;
	cfg_t			*cfg;		/* kept: module blocks live in it */
	char			*user;
	char			*group;
	uid_t			 uid;
	gid_t			 gid;
	char			*pidfile;
	char			*module_dir;
	char			*log;		/* NULL: syslog, or stderr
						   with -f */
	int			 log_level;	/* syslog priority */
	int			 shutdown_timeout;
	struct service_list	 services;
	int			 refs;		/* live generations using it */
};

/*
 * Parse, validate and build a whole configuration: every key checked,
 * modules loaded, addresses resolved, nothing bound and nothing changed.
 * Every error is logged as `FILE:LINE: message' (log_warnx); returns NULL
 * if there was any.
 */
struct conf	*conf_load(const char *path);
void		 conf_free(struct conf *conf);
const char	*conf_mode_name(enum svc_mode mode);

/* ------------------------------------------------------------ priv.c */

/*
 * The privilege model, in one place.  priv_drop_master runs once the
 * listeners are bound; priv_drop_child in a worker or child before any
 * module code.  Both log what failed and return -1; the caller then
 * exits (the master with EXIT_NOPERM or EXIT_OSERR, a child with 1).
 */
int	priv_check_config(const struct conf *conf);	/* exit 77 cases */
int	priv_drop_master(const struct conf *conf);
int	priv_drop_child(const struct service *svc);
/* StrictModes: refuse files writable by others when running as root. */
int	priv_check_file(int fd, const char *path, bool group_ok, char *err,
	    size_t errlen);

/* ----------------------------------------------------------- signal.c */

/* Flags set by the handlers; the master loop reads and clears them. */
extern volatile sig_atomic_t sig_reload, sig_term, sig_quit, sig_reopen,
	    sig_child;

int	signal_init(void);	/* handlers + self-pipe; returns its read fd */
void	signal_drain(void);	/* empty the self-pipe */
void	signal_reset_child(void);	/* default dispositions in a child */

/* -------------------------------------------------------- daemonize.c */

int	daemonize_start(void);		/* detach; parent waits for ready */
void	daemonize_ready(void);		/* tell the waiting parent: serving */
void	daemonize_fail(int status);	/* tell it: failed with status */
int	pidfile_open(const char *path, uid_t owner, gid_t group);
void	pidfile_remove(void);

/* ------------------------------------------------------------ main.c */

extern int	 opt_foreground;
extern int	 opt_verbose;
extern const char *opt_config;
extern const char *opt_pidfile;

/* ------------------------------------- master.c, supervisor.c, worker.c */

int	master_run(struct conf *conf);	/* returns the exit status */

#endif /* SOCKSERVD_H */
