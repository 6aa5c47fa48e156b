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

#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <confuse.h>

#include "os.h"
#include "sockserv.h"
#include "sockserv/module.h"

/* sysexits(3) codes the daemon uses. */
#define EXIT_USAGE  64 /* EX_USAGE */
#define EXIT_OSERR  71 /* EX_OSERR */
#define EXIT_NOPERM 77 /* EX_NOPERM */
#define EXIT_CONFIG 78 /* EX_CONFIG */

/* ------------------------------------------------------------- log.c */

/*
 * err(3)-style logging.  Until log_open() it writes to stderr; after, to
 * the configured target.  Every function preserves errno.  log_warn
 * appends strerror(errno); the x variants do not.
 */
void log_init(int verbose);
int log_open(const char *target, int level, bool foreground);
int log_reopen(void);		       /* both log their failures themselves */
int log_level_parse(const char *name); /* syslog prio or -1 */
bool log_enabled(int prio);	       /* would prio be written? */
void log_vlog(int prio, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void log_msg(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A worker's or child's last words: log_warn/log_warnx, then _exit(1). */
void log_fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void log_fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/* ---------------------------------------------------------- module.c */

/*
 * A loaded handler module.  The file is opened once, checked, and
 * dlopen()ed through /proc/self/fd/N so that a module replaced on disk
 * (new inode) is loaded afresh by the next configuration while the old
 * one stays mapped for the workers still using it.
 */
struct module {
	char *path;
	int fd;
	dev_t dev;
	ino_t ino;
	void *dl;
	const struct sockserv_module *desc;
	int refs;
};

/* Load path; on failure write a one-line reason naming the file. */
struct module *module_open(const char *path, char *err, size_t errlen);
void module_close(struct module *m);

/* ----------------------------------------------------------- trust.c */

/*
 * StrictModes.  trust_strict() says whether to apply the checks (running
 * as root).  trust_check_stat() is the rule: owned by root or user
 * ((uid_t)-1: none), writable by nobody else (group allowed when group_ok
 * or root's; a sticky directory's write bits excepted); trust_owner() its
 * first half.  trust_check_file() applies it to an open regular file and
 * the directory holding it, user the effective one.  On refusal they
 * return -1, errno EPERM, with a one-line reason naming what or path in
 * err.
 */
struct stat;
bool trust_strict(void);
bool trust_owner(uid_t uid, uid_t user);
int trust_check_stat(const struct stat *st, const char *what, uid_t user,
    bool group_ok, char *err, size_t errlen);
int trust_check_file(int fd, const char *path, bool group_ok, char *err,
    size_t errlen);

/* -------------------------------------------------------- safefile.c */

/*
 * The files the master opens, changes and removes by name (pidfile, log,
 * Unix socket files): walked from "/" without following a symlink a less
 * privileged user could plant, in directories only root and the daemon's
 * user can write (as root), and then used only through the directory's
 * descriptor.  A refusal returns -1, errno EPERM and a one-line reason in
 * err (the caller names the file); other failures keep their errno and
 * say it.  (uid_t)-1 as an owner means the daemon's user.  The rule is in
 * safefile.c and doc/privileges.md.
 */
#define SAFEFILE_MKDIR	0x01 /* create missing directories */
#define SAFEFILE_REMOVE 0x02 /* the daemon's user removes it at exit */
#define SAFEFILE_ERRLEN (PATH_MAX + 256)

void safefile_set_user(uid_t uid, gid_t gid); /* started as root */
int safefile_opendir(const char *path, int how, const char **name, char *err,
    size_t errlen);
int safefile_openat(int dirfd, const char *name, int flags, mode_t mode,
    char *err, size_t errlen);
int safefile_open(const char *path, int how, int flags, mode_t mode, int *dirfd,
    char *err, size_t errlen);
int safefile_removable(int dirfd, uid_t owner, char *err, size_t errlen);
int safefile_chattr(int dirfd, const char *name, dev_t dev, ino_t ino,
    uid_t uid, gid_t gid, mode_t mode, char *err, size_t errlen);
int safefile_unlinkat(int dirfd, const char *name, dev_t dev, ino_t ino);

/* ------------------------------------------------------------- acl.c */

struct service;

struct acl_rule {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	int prefixlen;
};

/*
 * `10.0.0.0/8', `::1/128', `[::1]/128' or a bare address (full-length
 * prefix).  Bits set beyond the prefix length are an error, not
 * normalised.  On error: -1, errno EINVAL, a one-line reason in err.
 */
int acl_parse(const char *cidr, struct acl_rule *out, char *err, size_t errlen);
/* True if sa matches any rule; v4-mapped v6 peers match v4 rules. */
bool acl_match(const struct acl_rule *rules, size_t n,
    const struct sockaddr *sa);
/*
 * A client's address as family (AF_INET, AF_INET6; 0: not an IP peer)
 * and 16 bytes, an IPv4-mapped IPv6 address folded to IPv4: the one
 * notion of "same client" for max_per_source and the scoreboard.
 */
/* Same IP client (ports ignored, mapped addresses folded). */
bool acl_same_peer(const struct sockaddr *a, const struct sockaddr *b);
/*
 * The admission decision; master (fork mode) and workers (prefork,
 * thread, sync) call this, not acl_match: deny wins; an empty allow list
 * allows all; a non-IP peer (Unix socket) is always admitted.  The
 * max_per_source check comes after it.
 */
bool acl_admit(const struct service *svc, const struct sockaddr *sa);

/* ------------------------------------------------------------ conf.c */

enum svc_mode { MODE_FORK, MODE_PREFORK, MODE_THREAD, MODE_SYNC };

struct service {
	TAILQ_ENTRY(service) entry;
	bool enabled; /* false: checked, not run */
	char *name;
	int line;		     /* where it is defined */
	char **urls;		     /* listen, as written */
	struct sockserv_addr *addrs; /* listen, resolved */
	size_t naddrs;
	char *module_path;
	struct module *module;
	cfg_t *modopts; /* NAME { } block or NULL */
	enum svc_mode mode;
	int request_queue_size;
	bool reuse_addr;
	bool reuse_port;
	mode_t socket_mode;
	uid_t socket_uid; /* (uid_t)-1: master's */
	gid_t socket_gid; /* (gid_t)-1: master's */
	int timeout;	  /* idle seconds; 0 none */
	int max_children;
	int workers;
	int min_spare;
	int max_spare;
	int max_workers;
	int max_requests;
	char *user; /* effective; NULL: none */
	char *group;
	uid_t uid;
	gid_t gid;
	struct acl_rule *allow;
	size_t nallow;
	struct acl_rule *deny;
	size_t ndeny;
	int max_per_source;
	int fork_ahead;			/* fork mode: spare children */
	struct sockserv_module_env env; /* given to the module */
	int *fds;			/* listener fd per addrs[i], set
					   by the master when applied;
					   conf-keys.c allocates (all -1) */
};

TAILQ_HEAD(service_list, service);

struct conf {
	char *path;
	cfg_t *cfg; /* kept: module blocks live in it */
	char *user;
	char *group;
	uid_t uid;
	gid_t gid;
	char *pidfile;
	char *module_dir;
	char *log;     /* NULL: syslog, or stderr
			  with -f */
	int log_level; /* syslog priority */
	int shutdown_timeout;
	struct service_list services; /* enabled */
	struct service_list disabled; /* enabled = false: for -T */
	int refs;		      /* its holders: see conf_free */
};

/*
 * Parse, validate and build a whole configuration: every key checked,
 * modules loaded, addresses resolved, nothing bound and nothing changed.
 * Every error is logged as `FILE:LINE: message' (log_warnx); returns NULL
 * if there was any.
 */
struct conf *conf_load(const char *path);
/*
 * Who holds a conf (conf->refs counts them): the master, the one that
 * conf_load() returns, until a reload has replaced that conf or the
 * daemon exits; and supervisor.c's record of the conf's generation
 * (struct sv_gen), one more taken when the record is made, until the
 * generation is retired, or its conf no longer the master's, and its
 * last child is reaped.  A child holds none: its generation outlives it.
 * Each holder lets go with conf_free(), which frees on the last; it
 * never closes svc->fds, since the listeners belong to the master.
 */
void conf_free(struct conf *conf);
const char *conf_mode_name(enum svc_mode mode);
/* sockservd -T: conf in sockserv.conf(5) syntax, defaults filled in. */
int conf_print(struct conf *conf, FILE *fp);

/* ---------------------------------------------------------- conf-msg.c */

/*
 * The messages of one configuration load and the lines they name: for
 * conf.c, conf-keys.c and conf-mod.c only.  conf_msg_error/warning hold a
 * message for FILE:LINE (line 0: about the whole file) until
 * conf_msg_flush() logs them all in line order.  conf_msg_note is the
 * validation callback that records where each value of pass 2 was
 * written; conf_msg_line() then gives the line of a key's idx-th value,
 * or 0 if it was not written.
 */
void conf_msg_reset(const char *path); /* a new load, of path */
void conf_msg_quiet(bool quiet);       /* false: forget what was counted */
void conf_msg_root(cfg_t *root);       /* pass 2's tree, or NULL */
/* cfg_parse of buf, named path, libConfuse's messages collected here. */
int conf_msg_parse(cfg_t *cfg, const char *buf, size_t len);
void conf_msg_error(int line, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void conf_msg_warning(int line, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void conf_msg_failed(void); /* count an error logged by the caller */
int conf_msg_errors(void);  /* errors of this load so far */
void conf_msg_flush(void);
/* From line `line' of the text on, it is file path's line fline on. */
void conf_msg_file(int line, const char *path, int fline);
/* "line N" if line is in the same file as at, else "FILE:N". */
const char *conf_msg_where(int at, int line);
int conf_msg_note(cfg_t *cfg, cfg_opt_t *opt);
int conf_msg_line(cfg_t *sec, const char *opt, unsigned int idx);
int conf_msg_line_or(cfg_t *sec, const char *opt, int fallback);
int conf_msg_service_line(const char *title, int fallback);

/* --------------------------------------------------------- conf-keys.c */

/*
 * The keys of sockserv.conf(5), one row each (see conf-keys.c): pass 2's
 * schema and the building of struct conf and struct service from it.
 * The cfg_opt_t arrays are the caller's to free.
 */
extern const char *const conf_keys_modes[MODE_SYNC + 1]; /* "fork"... */
bool conf_keys_in_service(const char *name);
cfg_opt_t *conf_keys_service_opts(size_t extra);    /* room for extra */
cfg_opt_t *conf_keys_root_opts(cfg_opt_t *service); /* globals + it */
void conf_keys_build_global(struct conf *conf);	    /* from conf->cfg */
void conf_keys_build_service(struct conf *conf, struct service *svc,
    cfg_t *sec);
void conf_keys_print_global(cfg_t *cfg, FILE *fp); /* for -T */
void conf_keys_print_service(cfg_t *sec, FILE *fp);

/* ---------------------------------------------------------- conf-mod.c */

/*
 * The modules of a configuration load (see conf-mod.c): pass 1 loads
 * them, pass 2's service section holds a block per module, and building
 * a service takes and checks its module.  conf_mod_reset() unloads what
 * the last load loaded; a built conf holds its own references.
 */
void conf_mod_reset(void);
void conf_mod_pass1(const char *buf, size_t len);
void conf_mod_report(void);	  /* after a syntax error */
cfg_opt_t *conf_mod_schema(void); /* the service section */
void conf_mod_schema_free(cfg_opt_t *svc);
void conf_mod_build(struct service *svc, cfg_t *sec);
void conf_mod_check(struct service *svc, cfg_t *sec); /* module's own */
const char *conf_mod_dir(const char *configured);     /* where NAME.so is */

/* --------------------------------------------------------- conf-scan.c */

/*
 * Check a configuration file's text before libConfuse parses it: no NUL
 * byte, every string closed on its line, every comment and block closed;
 * blank the comments out (newlines kept).  Returns 0 and the include
 * directives found (an array to free), or -1 with the line of the first
 * mistake and a message.
 */
struct conf_scan_include {
	size_t start, end;   /* the directive's bytes */
	size_t pattern, len; /* its string's, quotes excluded */
	int line;	     /* of its string */
};
int conf_scan(char *buf, size_t len, struct conf_scan_include **incs,
    size_t *nincs, int *line, char *err, size_t errlen);

/* ------------------------------------------------------ conf-include.c */

/*
 * The text of the configuration at path with every include replaced by
 * the files it names, each trusted and scanned, their lines told to
 * conf-msg.c; NULL (errors reported) on any failure.  To free.
 */
char *conf_include_text(const char *path, size_t *lenp);

/* ------------------------------------------------------------ priv.c */

/*
 * The privilege model, in one place.  priv_drop_master runs once the
 * listeners are bound; priv_drop_child in a worker or child before any
 * module code and before any thread.  Both log what failed and return -1;
 * the caller then exits (the master with EXIT_NOPERM or EXIT_OSERR, a
 * child with 1).  priv_check_config is also meant for a reload: after the
 * drop it refuses a config naming an identity the master can no longer
 * give its children.
 * Relies on conf.c for: svc->user/group being the effective values
 * (per-service, else the global ones, else NULL); uid/gid resolved, and
 * gid (svc and conf) the user's primary group when only `user' is set.
 * Files created before the drop (pidfile and its directory, log file,
 * Unix socket files) are given to conf->uid/gid by safefile.c, told of
 * that identity by main.c (safefile_set_user).
 */
int priv_check_config(const struct conf *conf); /* exit 77 cases */
int priv_drop_master(const struct conf *conf);
int priv_drop_child(const struct service *svc);

/* ------------------------------------------------------------ arena.c */

/*
 * The master's memory that forked children never see (MADV_DONTFORK):
 * what it writes per connection, so that a fork costs it no copy-on-write
 * fault.  Zeroed objects; arena_release() unmaps it all at exit.
 */
void *arena_alloc(size_t size);
void *arena_calloc(size_t n, size_t size);
void arena_free(void *p);
void arena_release(void);
/* madvise() the code segments of every loaded object (see arena.c). */
void arena_code_advise(int advice);

/* ----------------------------------------------------------- signal.c */

/* What signal_drain() reports: a bit per kind of signal read. */
#define SIGNAL_CHILD  0x01 /* SIGCHLD */
#define SIGNAL_RELOAD 0x02 /* SIGHUP */
#define SIGNAL_TERM   0x04 /* SIGTERM, SIGINT */
#define SIGNAL_QUIT   0x08 /* SIGQUIT */
#define SIGNAL_REOPEN 0x10 /* SIGUSR1 */

int signal_init(void);	       /* block, open the signalfd; returns it */
unsigned signal_drain(void);   /* read what came: SIGNAL_* bits */
void signal_reset_child(void); /* in a child, after its handlers */
void signal_close_child(struct os_fdrun *run); /* child_close_master */

/* ---------------------------------------------------------- systemd.c */

/*
 * systemd's protocols through libsystemd, loaded only when systemd
 * started the daemon (NOTIFY_SOCKET, LISTEN_FDS or WATCHDOG_USEC set);
 * otherwise, and without libsystemd, no-ops.
 */
#define SYSTEMD_LISTEN_START 3	       /* SD_LISTEN_FDS_START */
int systemd_listen_fds(char ***names); /* first thing; -1: errno */
void systemd_names_free(char **names);
void systemd_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int systemd_timer(uint64_t now); /* ms until systemd_tick; -1 never */
void systemd_tick(uint64_t now, const char *status);

/* -------------------------------------------------------- daemonize.c */

/* all but stdin/out/err and the nlisten sockets systemd passed */
int daemonize_close_inherited(int nlisten);
int daemonize_start(void);		  /* detach; parent waits for ready */
int daemonize_release(void);		  /* before the first fork: stderr */
void daemonize_note(const char *fmt, ...) /* a line for the launcher */
    __attribute__((format(printf, 1, 2)));
void daemonize_ready(void);	 /* tell the waiting parent: serving */
void daemonize_fail(int status); /* tell it: failed with status */
/* EPERM: a refused location (safefile.c); EAGAIN: another instance. */
int daemonize_pidfile_open(const char *path);
void daemonize_pidfile_remove(void);
void daemonize_child(struct os_fdrun *run); /* the pidfile and readiness
				fds, for child_close_master to close */

/* ----------------------------------------------------------- fault.c */

/*
 * Errors of accept(2) and recvfrom(2) on a listener, the same for the
 * master and every worker: fault_kind() says what to do with one; for
 * FAULT_PAUSE, fault_hit() counts and reports it (once per burst, with a
 * count) and the caller takes nothing from the listener until
 * f->until; fault_clear() after a take that worked ends the burst.
 */
enum fault_kind {
	FAULT_EMPTY, /* nothing to take: wait for readiness */
	FAULT_SKIP,  /* that connection's error: take the next */
	FAULT_PAUSE  /* the process's: pause, then try again */
};
struct fault {
	int err;	     /* of the burst; 0: none */
	unsigned int pause;  /* ms, the current pause */
	unsigned long count; /* errors not yet reported */
	unsigned long total; /* errors in the burst */
	uint64_t start;	     /* ms, monotonic: burst began */
	uint64_t reported;   /* ms: last line */
	uint64_t last;	     /* ms: last error */
	uint64_t until;	     /* ms: paused until; 0: not */
};
enum fault_kind fault_kind(int err);
/* now: ms, os_monotonic_ms(); fmt...: the context of a report */
void fault_hit(struct fault *f, uint64_t now, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void fault_pause(struct fault *f, uint64_t now); /* no report */
void fault_clear(struct fault *f, uint64_t now, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Pausing, or in a burst not yet over: the caller's cheap test. */
#define FAULT_ACTIVE(f) ((f)->err != 0 || (f)->pause != 0)

/* -------------------------------------------------------- listener.c */

/*
 * The listener table: every listening socket, kept across reloads while
 * its address is unchanged.  A record's owner is the service of the
 * configuration being served; a reload binds (listener_bind: finds or
 * binds each address of the new conf, sets svc->fds, changes nothing
 * running and undoes itself on failure, logged), commits (the new
 * services become the owners) and, once the new generation runs, prunes
 * (closes what the new conf dropped).
 */
struct listener {
	TAILQ_ENTRY(listener) entry;
	struct sockserv_addr addr;
	char url[SOCKSERV_ADDRSTRLEN];
	int fd;
	struct service *svc;	  /* current owner */
	int dirfd;		  /* Unix socket: its directory */
	dev_t dev;		  /* the file bound, the only one */
	ino_t ino;		  /* changed or unlinked */
	bool claimed;		  /* reload: kept by new conf */
	unsigned int refused;	  /* refusals not yet logged */
	uint64_t refused_at;	  /* ms, monotonic: last logged */
	struct fault fault;	  /* accept/recvfrom failing */
	struct listener_hot *hot; /* in the arena */
};
/* What the master writes per connection, kept where a fork costs nothing. */
struct listener_hot {
	unsigned int single; /* wake-ups left that accept one */
};
TAILQ_HEAD(listener_list, listener);
extern struct listener_list listener_all;

int listener_bind(struct conf *conf); /* -1: logged, nothing kept */
void listener_commit(struct conf *conf);
void listener_prune(void);     /* also resets the marks of a bind */
void listener_close_all(void); /* socket files removed */
/* Sockets systemd passed, fds first..first+n-1: into the table, unowned. */
int listener_adopt(int first, int n, char **names);
/*
 * In a freshly forked child: add to run (child_close_master closes it)
 * every listener (and socket file directory) except those of keep_svc
 * (NULL: none) and keep_fd (-1: none).  The records stay as they are:
 * each page a child wrote would be a copy-on-write fault.
 */
void listener_child_close(const struct service *keep_svc, int keep_fd,
    struct os_fdrun *run);

/* ---------------------------------------------------------- master.c */

/*
 * The master owns the event loop, reload and shutdown.  In fork mode it
 * accepts (or receives datagrams) itself and hands each to
 * supervisor_fork_*; for prefork, thread and sync it only supervises.
 */
/* What the command line (main.c) tells the master. */
struct master_opts {
	const char *config;  /* absolute: re-read on SIGHUP */
	const char *pidfile; /* -p, or NULL: the configuration's */
	bool foreground;     /* -f */
};
int master_run(struct conf *conf, const struct master_opts *opt);
/* returns the exit status */

/* ----------------------------------------------------------- child.c */

/*
 * The supervisor's table: every process the master forked, each
 * referring to the configuration generation it was started with, which
 * holds the reference on that conf (see conf_free).  All of it is in the
 * arena, which children do not inherit.
 *
 * CHILD_SPARE: a fork-mode child forked ahead (fork_ahead), initialised
 * and waiting on its socketpair for one connection; it becomes a
 * CHILD_CONN when handed one.  Spares never count as connections.
 */
enum child_kind { CHILD_CONN, CHILD_WORKER, CHILD_SPARE };

struct child {
	LIST_ENTRY(child) entry;
	pid_t pid;
	enum child_kind kind;
	struct service *svc;
	struct conf *conf;
	int slot;		      /* scoreboard slot; -1 */
	struct sockaddr_storage peer; /* CHILD_CONN */
	socklen_t peerlen;
	double started; /* os_monotonic() */
	bool retiring;
	struct sv_pool *pool; /* its service's record */
	int sock;	      /* CHILD_SPARE: our end; -1 */
	bool ready;	      /* CHILD_SPARE: said ready */
	bool handed;	      /* a spare become CHILD_CONN */
};

struct sv_gen;

/* Per service of a generation: its children's counts, its pool's state. */
struct sv_pool {
	struct sv_gen *gen;
	struct service *svc;
	int index;	      /* scoreboard pool; -1: fork mode */
	bool started;	      /* pool_start was called */
	int nconn;	      /* live CHILD_CONN */
	int nworkers;	      /* live workers not retiring */
	int nspare;	      /* live spares not retiring */
	int nhanded;	      /* spares serving what they were handed */
	double handed_at;     /* the last hand-off, monotonic s */
	unsigned int spawned; /* workers started, for the stagger */
	int rate;	      /* Apache's spawn rate */
	double last_tick;
	int pending; /* respawns owed */
	double respawn_at;
	double delay;		     /* current back-off, s */
	double last_death;	     /* unexpected, monotonic s */
	bool in_burst;		     /* logged the start of a crash loop */
	int deaths;		     /* in this burst */
	bool maxed_logged;	     /* "reached max_workers" said once */
	struct sockserv_server *srv; /* fork mode: what children serve with */
};

/* Per configuration generation. */
struct sv_gen {
	LIST_ENTRY(sv_gen) entry;
	struct conf *conf;
	struct scoreboard *sb; /* NULL: no pool started */
	bool retired;
	int nchildren;
	int npools;
	struct sv_pool *pools;
};

struct child_table {
	LIST_HEAD(, child) children;
	LIST_HEAD(, sv_gen) gens;
	int nlive;
	bool stopping;	      /* no respawn, no growth */
	double fork_warned;   /* rate limit of fork errors */
	bool spare_fds_stale; /* see child_sock_close */
	bool strays_due;      /* see supervisor_maintain */
	double strays_at;     /* last looked for, monotonic */
	unsigned long served; /* fork mode: requests taken */
};
extern struct child_table *child_tab;

int child_init(void);  /* -1: out of memory */
void child_fini(void); /* at exit, all children reaped */
bool child_is_pool_mode(const struct service *svc);
/* The record of conf, created on first use; NULL: out of memory. */
struct sv_gen *child_gen_get(struct conf *conf);
struct sv_gen *child_gen_find(const struct conf *conf);
void child_gen_destroy(struct sv_gen *g);
struct sv_pool *child_pool_of(struct sv_gen *g, const struct service *svc);
/* Fork mode: the server p's children serve with, built on first use. */
struct sockserv_server *child_pool_srv(struct sv_pool *p);
/*
 * A record for a child of p, then: child_add(c, pid) once forked (or
 * with -1 before the fork, the pid stored after), child_remove(c) once it
 * is reaped (or the fork failed), which may destroy its generation.
 */
struct child *child_new(struct sv_pool *p, enum child_kind kind);
void child_add(struct child *c, pid_t pid);
void child_remove(struct child *c);
struct child *child_find(pid_t pid);
struct child *child_in_slot(const struct sv_pool *p, int slot);
void child_fork_failed(const struct service *svc); /* logs */
/* Tell c to finish and exit (a spare: EOF); it is not replaced. */
void child_retire(struct child *c);
/* A spare's socket end: room before the fork, closed after a hand-off. */
int child_spare_fds_room(void);
void child_sock_close(struct child *c);
/* In the master, right before any fork(): what children close is exact. */
void child_before_fork(void);
/*
 * In a freshly forked child, before anything else: close every
 * descriptor the master holds for itself (listeners, the master's ends
 * of the spares' socket pairs, the pidfile), except the listeners of
 * keep_svc (a pool worker's service; NULL for none) and keep_fd (a
 * datagram child's listener; -1 for none).  Called by the code that
 * forked, never by what runs in the child.
 */
void child_close_master(const struct service *keep_svc, int keep_fd);

/* ----------------------------------------------------------- spare.c */

/*
 * fork_ahead.  spare_take: hand conn_fd and its peer to a ready spare of
 * p, which becomes the connection's CHILD_CONN; 0, or -1 if none could
 * take it (conn_fd is the caller's either way).  spare_spawn: fork one
 * spare of p (0, or -1).  spare_deficit: the spares p lacks; none while
 * it backs off, is retired or stopping, and a spare handed a connection
 * counts for SPARE_GRACE seconds after the last hand-off.
 */
#define SPARE_GRACE 0.01
int spare_take(struct sv_pool *p, int conn_fd, const struct sockaddr *peer,
    socklen_t peerlen);
int spare_spawn(struct sv_pool *p);
int spare_deficit(const struct sv_pool *p);

/* ------------------------------------------------------------ pool.c */

/*
 * prefork, thread, sync: start the service's pool (svc->fds are set).
 * fork: start its fork_ahead spares, if any (0 and nothing otherwise).
 */
int pool_start(struct conf *conf, struct service *svc);
/* Owe n respawns to p, due in delay seconds at the latest. */
void pool_owe(struct sv_pool *p, int n, double delay);
/*
 * Timers: pool growth and shrink, delayed respawns.  Cheap and safe to
 * call on every turn of the loop; poll no longer than next_timeout.
 */
void pool_maintain(void);
int pool_next_timeout(void); /* ms until maintain is due; -1 */

/*
 * The pools' policies as pure functions, unit-tested on their own.
 *
 * pool_delta: one prefork maintenance tick.  live counts the pool's
 * workers that are not retiring (starting ones included), idle those
 * starting or idle.  Returns how many workers to start (> 0), -1 to stop
 * one idle worker, or 0.  *rate is the spawn rate carried from tick to
 * tick (start it at 1): it doubles, up to POOL_SPAWN_RATE_MAX, while the
 * pool stays short of idle workers, and falls back to 1 once it is not.
 */
#define POOL_SPAWN_RATE_MAX 32
int pool_delta(int live, int idle, int workers, int min_spare, int max_spare,
    int max_workers, int *rate);
/*
 * pool_backoff_next: the respawn delay (seconds) after a worker died
 * unexpectedly, given the previous delay and how long it lived: none for
 * a worker that lived POOL_STABLE_SECS or more, else POOL_BACKOFF_MIN
 * doubling to POOL_BACKOFF_MAX.
 */
#define POOL_BACKOFF_MIN 0.1
#define POOL_BACKOFF_MAX 10.0
#define POOL_STABLE_SECS 10.0
double pool_backoff_next(double delay, double lived);
/*
 * max_requests recycling: the limit of the worker in pool slot index (of
 * nslots), max_requests plus a stagger spreading the pool over
 * [max_requests, 1.5 * max_requests); 0 (unlimited) stays 0.  And how
 * many workers of a pool may be recycling at one time.
 */
int pool_request_limit(int max_requests, int index, int nslots);
int pool_recycle_cap(int workers);

/* ------------------------------------------------------ supervisor.c */

/* fork mode: a child for one connection; conn_fd is closed in the master. */
int supervisor_fork_conn(struct conf *conf, struct service *svc, int conn_fd,
    const struct sockaddr *peer, socklen_t peerlen);
/* fork mode, datagrams: a child for one datagram, replying on lfd. */
int supervisor_fork_dgram(struct conf *conf, struct service *svc, int lfd,
    const void *pkt, size_t len, const struct sockaddr *peer,
    socklen_t peerlen);
/*
 * Reload or shutdown: SIGTERM every worker of that generation (it finishes
 * its request and exits; it is not replaced); its fork-mode children just
 * finish.  Call it before dropping the master's reference on conf: the
 * supervisor forgets a generation once it is retired and childless.
 */
void supervisor_retire_conf(struct conf *conf);
/*
 * Reap every exited child: log, replace workers, back off crash loops.
 * A stray reaped, or a child killed by a signal, has the next
 * supervisor_maintain() look for strays (below).
 */
void supervisor_reap(void);
/* SIGKILL the master's children unknown to it, with their groups: how many. */
int supervisor_kill_strays(void);
/*
 * Timers: the pools' (pool_maintain), and the look for strays a reap
 * asked for.  Cheap and safe to call on every turn of the loop; poll no
 * longer than next_timeout.
 */
void supervisor_maintain(void);
int supervisor_next_timeout(void); /* ms until maintain is due; -1 */
int supervisor_count(const struct service *svc); /* live CHILD_CONN */
int supervisor_count_peer(const struct service *svc,
    const struct sockaddr *peer);
int supervisor_live(void); /* children still alive */
/* One line for systemd's STATUS=: services, workers, requests served. */
void supervisor_status(struct conf *conf, char *buf, size_t len);
/*
 * Send sig to every child.  SIGTERM, SIGINT, SIGQUIT and SIGKILL also
 * mean "stopping": from then on no worker is replaced and no pool grows.
 * A child takes SIGTERM as "finish the current request(s), then exit".
 */
void supervisor_signal_all(int sig);

/* ---------------------------------------------- scoreboard.c, worker.c */

/*
 * The shared-memory scoreboard: one MAP_SHARED anonymous region per
 * configuration generation, mapped by the master before it forks that
 * generation's workers.  It holds a header per pool (a service in
 * prefork, thread or sync mode) and a slot per worker.  The master
 * allocates and frees slots; each worker writes only its own slot.
 */
enum sb_state { SB_FREE, SB_STARTING, SB_IDLE, SB_BUSY, SB_RETIRING };

struct scoreboard;

/* Master side.  sizes[i]: slots of pool i; caps[i]: its recycle cap. */
struct scoreboard *scoreboard_new(const int *sizes, const int *caps,
    int npools);
void scoreboard_free(struct scoreboard *sb);
/* A free slot of pool, marked starting with that request limit; or -1. */
int scoreboard_alloc(struct scoreboard *sb, int pool, int limit);
void scoreboard_set_pid(struct scoreboard *sb, int slot, pid_t pid);
/* The worker is gone: free the slot; returns its last state. */
enum sb_state scoreboard_release(struct scoreboard *sb, int slot);
/* Counts of a pool's slots in use not told to stop, and idle or starting. */
void scoreboard_count(const struct scoreboard *sb, int pool, int *used,
    int *idle);
/* Requests served in sb's slots in use; NULL: by workers released. */
unsigned long scoreboard_served(const struct scoreboard *sb);
/* The index of an idle slot of pool not yet told to stop; -1 if none. */
int scoreboard_pick_idle(const struct scoreboard *sb, int pool);
/*
 * Datagram listeners of a prefork pool are served by `workers' of its
 * workers only, chosen by the master at spawn (scoreboard_set_dgram) as
 * long as fewer are serving (scoreboard_dgram_count: retiring and
 * stopped ones do not count, so a recycled one is replaced in kind) and
 * never picked to shrink the pool.  Spread over a pool grown for held
 * connections, each datagram woke another cold worker.
 */
int scoreboard_dgram_count(const struct scoreboard *sb, int pool);
void scoreboard_set_dgram(struct scoreboard *sb, int slot);
bool scoreboard_dgram(void); /* in a worker: do I serve them? */
/* Mark a slot as told to stop (its worker got SIGTERM). */
void scoreboard_stop(struct scoreboard *sb, int slot);
/* True (once) if a worker of pool saw no idle worker left. */
bool scoreboard_take_urgent(struct scoreboard *sb, int pool);
bool scoreboard_urgent(const struct scoreboard *sb, int pool);

/* Worker side: the region and slot of this process (after fork). */
void scoreboard_attach(struct scoreboard *sb, int slot);
int scoreboard_limit(void); /* this worker's request limit */
void scoreboard_idle(void);
/*
 * Mark this worker busy with peer (may be NULL).  With count, returns how
 * many busy workers of the pool, this one included, serve the same
 * client address (0 for a non-IP peer); without, 0, and it reads the
 * slots only up to the first idle one (it runs per request).  If no idle
 * worker is left it flags the pool as urgent and, at most every 100 ms,
 * wakes the master with SIGCHLD.
 */
int scoreboard_busy(const struct sockaddr *peer, bool count);
/* Take one of the pool's recycle tokens (released by the master). */
bool scoreboard_recycle_token(void);
void scoreboard_retiring(void);

/*
 * What runs in a forked process: never returns.  worker_conn serves one
 * connection (fork mode); worker_pool runs a prefork, thread or sync
 * worker until retired.  Both drop privileges (priv_drop_child) and run
 * the module's init before any module code, and exit 0 or 1.
 */
__attribute__((noreturn)) void worker_conn(struct service *svc,
    struct sockserv_server *srv, int conn_fd, const struct sockaddr *peer,
    socklen_t peerlen);
/* In the master: the server fork-mode children of svc serve with. */
struct sockserv_server *worker_conn_server(const struct service *svc);
__attribute__((noreturn)) void worker_dgram(struct service *svc, int lfd,
    const void *pkt, size_t len, const struct sockaddr *peer,
    socklen_t peerlen);
__attribute__((noreturn)) void worker_pool(struct service *svc, int slot);
/*
 * What a fork-mode child or spare does before it serves: the signalfd
 * closed, privileges dropped, the module's init run (and its state set
 * as srv's context).  Returns the module's state.
 */
void *worker_conn_setup(struct service *svc, struct sockserv_server *srv);

#endif /* SOCKSERVD_H */
