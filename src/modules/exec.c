/*
 * exec.c -- the exec handler module: runs `exec { argv = {...} }' once
 * per connection, inetd `nowait' and tcpserver style, with the UCSPI
 * environment (PROTO, TCPREMOTEIP, TCPREMOTEPORT, TCPLOCALIP,
 * TCPLOCALPORT; PROTO=UNIX and UNIXREMOTEPID/UID/GID on a Unix socket).
 *
 * The handler forks the program into a process group of its own and
 * stays as its keeper: it waits on a pidfd, turns the program's stderr
 * into daemon log lines, and when the program exits kills what is left
 * of its group and, being a child subreaper, reaps every descendant that
 * was orphaned -- so no zombie and no orphan outlives the connection.
 * Without `timeout' the program gets the connection itself as stdin and
 * stdout (no copying).  With `timeout' it gets one end of a socketpair
 * and the keeper relays bytes both ways: that is how idleness (no byte
 * read or written) is seen, and an idle program is sent SIGTERM, then
 * SIGKILL a second later, and reaped.  So is a program whose client
 * reset the connection (an error on it: the client is gone), in either
 * case, unless its request is still queued to be read; an orderly close
 * is only an EOF, as in inetd.  A keeper that is
 * itself killed (the end of a drain) cannot sweep: the program dies
 * with it (PR_SET_PDEATHSIG), and what is left of the group is the
 * master's, a subreaper too, to kill.  In fork mode the keeper then
 * exits with the program's status (128+N for a signal), which is what
 * the master logs; in prefork and sync mode a failed program counts as a
 * failed request.  The module is not thread-safe (fork in a threaded
 * worker, a process-wide subreaper and SIGCHLD disposition).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <sockserv.h>
#include <sockserv/module.h>

#include "os.h"

#define EXEC_PATH     "PATH=/usr/local/bin:/usr/bin:/bin"
#define EXEC_NVARS    8 /* UCSPI variables at most */
#define EXEC_VARLEN   96
#define EXEC_BUFSZ    16384
#define EXEC_ERRLINE  512  /* longest stderr line logged whole */
#define EXEC_GRACE_MS 1000 /* SIGTERM to SIGKILL */
#define EXEC_REAP_MAX 4096 /* descendants reaped per connection */

struct exec {
	char **argv;
	char **env; /* configured NAME=value */
	size_t nenv;
	int has_path;
	int timeout; /* s; 0: none */
	const struct sockserv_module_env *menv;
};

static cfg_opt_t exec_opts[] = {
    CFG_STR_LIST("argv", NULL, CFGF_NODEFAULT),
    CFG_STR_LIST("env", "{}", CFGF_NONE),
    CFG_END(),
};

/* Variables the module sets itself, which `env' may not override. */
static int
env_reserved(const char *s)
{
	return strncmp(s, "PROTO=", 6) == 0 || strncmp(s, "TCP", 3) == 0 ||
	    strncmp(s, "UNIXREMOTE", 10) == 0;
}

static int
check_argv0(cfg_t *sec, const char *prog)
{
	struct stat sb;

	if (prog[0] != '/') {
		cfg_error(sec, "exec: argv[0] `%s' is not an absolute path",
		    prog);
		return -1;
	}
	if (stat(prog, &sb) == -1) {
		cfg_error(sec, "exec: argv[0] `%s': %s", prog, strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode) ||
	    (sb.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0) {
		cfg_error(sec, "exec: argv[0] `%s' is not an executable file",
		    prog);
		return -1;
	}
	return 0;
}

static int
exec_check(cfg_t *sec, const struct sockserv_module_env *env)
{
	unsigned int i;
	const char *s;
	int rv = 0;

	if (sec == NULL || cfg_size(sec, "argv") == 0) {
		cfg_error(sec,
		    "exec: `argv' is required, e.g. "
		    "exec { argv = {\"/usr/bin/prog\", \"arg\"} }");
		return -1;
	}
	if (env != NULL && env->mode == SOCKSERV_THREAD) {
		cfg_error(sec,
		    "exec: mode = thread is not supported "
		    "(use fork, prefork or sync)");
		rv = -1;
	}
	if (check_argv0(sec, cfg_getnstr(sec, "argv", 0)) == -1)
		rv = -1;
	for (i = 0; i < cfg_size(sec, "env"); i++) {
		s = cfg_getnstr(sec, "env", i);
		if (s[0] == '=' || strchr(s, '=') == NULL) {
			cfg_error(sec, "exec: env entry `%s' is not NAME=value",
			    s);
			rv = -1;
		} else if (env_reserved(s)) {
			cfg_error(sec,
			    "exec: env entry `%s' would override a "
			    "UCSPI variable",
			    s);
			rv = -1;
		}
	}
	return rv;
}

static char **
strlist_dup(cfg_t *sec, const char *key, size_t *np)
{
	size_t i, n = cfg_size(sec, key);
	char **v;

	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if ((v[i] = strdup(cfg_getnstr(sec, key, (unsigned)i))) == NULL)
			return NULL; /* the process exits on a failed init */
	*np = n;
	return v;
}

static int
exec_init(const struct sockserv_module_env *env, void **state)
{
	struct exec *e;
	size_t n, i;

	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->argv = strlist_dup(env->options, "argv", &n)) == NULL ||
	    (e->env = strlist_dup(env->options, "env", &e->nenv)) == NULL)
		return -1;
	for (i = 0; i < e->nenv; i++)
		if (strncmp(e->env[i], "PATH=", 5) == 0)
			e->has_path = 1;
	e->timeout = env->timeout;
	e->menv = env;
	*state = e;
	return 0;
}

static void
strlist_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static void
exec_fini(void *state)
{
	struct exec *e = state;

	if (e == NULL)
		return;
	strlist_free(e->argv);
	strlist_free(e->env);
	free(e);
}

/* ------------------------------------------------------------ environment */

/* Numeric address and port of an inet sockaddr; v4-mapped shown as v4. */
static int
inet_text(const struct sockaddr_storage *ss, char *ip, size_t iplen,
    unsigned *port, int *v6)
{
	const struct sockaddr_in *sin = (const void *)ss;
	const struct sockaddr_in6 *sin6 = (const void *)ss;

	if (ss->ss_family == AF_INET) {
		*port = ntohs(sin->sin_port);
		*v6 = 0;
		return inet_ntop(AF_INET, &sin->sin_addr, ip, iplen) ? 0 : -1;
	}
	*port = ntohs(sin6->sin6_port);
	if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		*v6 = 0;
		return inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], ip,
			   iplen)
		    ? 0
		    : -1;
	}
	*v6 = 1;
	return inet_ntop(AF_INET6, &sin6->sin6_addr, ip, iplen) ? 0 : -1;
}

/*
 * Fill vars[] with the UCSPI variables of connection fd.  Returns how
 * many, or -1 with errno set if the addresses cannot be had.
 */
static int
ucspi_vars(int fd, char vars[EXEC_NVARS][EXEC_VARLEN])
{
	struct sockaddr_storage loc, rem;
	socklen_t len = sizeof(loc);
	char lip[INET6_ADDRSTRLEN], rip[INET6_ADDRSTRLEN];
	unsigned lport, rport;
	int lv6, rv6;
	struct ucred uc;

	if (getsockname(fd, (struct sockaddr *)&loc, &len) == -1)
		return -1;
	if (loc.ss_family == AF_UNIX) {
		len = sizeof(uc);
		snprintf(vars[0], EXEC_VARLEN, "PROTO=UNIX");
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1)
			return 1;
		snprintf(vars[1], EXEC_VARLEN, "UNIXREMOTEPID=%ld",
		    (long)uc.pid);
		snprintf(vars[2], EXEC_VARLEN, "UNIXREMOTEUID=%lu",
		    (unsigned long)uc.uid);
		snprintf(vars[3], EXEC_VARLEN, "UNIXREMOTEGID=%lu",
		    (unsigned long)uc.gid);
		return 4;
	}
	if (loc.ss_family != AF_INET && loc.ss_family != AF_INET6) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	/* A client gone already: ENOTCONN, say so (not EAFNOSUPPORT). */
	len = sizeof(rem);
	if (getpeername(fd, (struct sockaddr *)&rem, &len) == -1 ||
	    inet_text(&loc, lip, sizeof(lip), &lport, &lv6) == -1 ||
	    inet_text(&rem, rip, sizeof(rip), &rport, &rv6) == -1)
		return -1;
	snprintf(vars[0], EXEC_VARLEN, "PROTO=%s", rv6 ? "TCP6" : "TCP");
	snprintf(vars[1], EXEC_VARLEN, "TCPREMOTEIP=%s", rip);
	snprintf(vars[2], EXEC_VARLEN, "TCPREMOTEPORT=%u", rport);
	snprintf(vars[3], EXEC_VARLEN, "TCPLOCALIP=%s", lip);
	snprintf(vars[4], EXEC_VARLEN, "TCPLOCALPORT=%u", lport);
	return 5;
}

/* UCSPI variables, then the configured ones, then a default PATH. */
static char **
build_env(const struct exec *e, char vars[EXEC_NVARS][EXEC_VARLEN], int nv)
{
	char **envp;
	size_t i, n = 0;

	if ((envp = calloc((size_t)nv + e->nenv + 2, sizeof(*envp))) == NULL)
		return NULL;
	for (i = 0; i < (size_t)nv; i++)
		envp[n++] = vars[i];
	for (i = 0; i < e->nenv; i++)
		envp[n++] = e->env[i];
	if (!e->has_path)
		envp[n++] = EXEC_PATH;
	envp[n] = NULL;
	return envp;
}

/* ------------------------------------------------------------ the child */

/* In the child: become the program.  Never returns. */
static void __attribute__((noreturn))
child_exec(const struct exec *e, char **envp, int io, int errfd, pid_t keeper)
{
	sigset_t all;
	int sig, fl;

	setpgid(0, 0);
	/* the keeper's death takes the program with it */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != keeper)
		_exit(1);
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL); /* fails harmlessly for some */
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	/* the program expects a blocking stdin and stdout */
	if ((fl = fcntl(io, F_GETFL)) != -1)
		fcntl(io, F_SETFL, fl & ~O_NONBLOCK);
	if (dup2(io, 0) == -1 || dup2(io, 1) == -1 || dup2(errfd, 2) == -1)
		_exit(126);
	close_range(3, ~0U, 0);
	execve(e->argv[0], e->argv, envp);
	dprintf(2, "exec %s: %s\n", e->argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* -------------------------------------------------------------- keeper */

/* The keeper's state for one connection. */
struct keeper {
	const struct exec *e;
	pid_t pid;
	int pidfd;
	int errfd; /* read end of the program's stderr */
	char errbuf[EXEC_ERRLINE];
	size_t errlen;
	int relay; /* relaying: conn <-> sp */
	int conn, sp;
	char c2p[EXEC_BUFSZ], p2c[EXEC_BUFSZ];
	size_t c2plen, c2poff, p2clen, p2coff;
	int conn_eof, prog_eof;
	int conn_hup; /* the connection is closed both ways */
	int conn_err; /* the client reset, its last bytes still queued */
	double last;  /* last byte moved: os_monotonic() */
};

static long
ms_since(double t)
{
	return (long)((os_monotonic() - t) * 1000);
}

static void
err_flush(struct keeper *k)
{
	const struct sockserv_module_env *m = k->e->menv;

	if (k->errlen == 0)
		return;
	if (m->log != NULL)
		m->log(LOG_NOTICE, "exec: %s: %s[%ld]: %.*s", m->service,
		    k->e->argv[0], (long)k->pid, (int)k->errlen, k->errbuf);
	k->errlen = 0;
}

/* Read what the program wrote on stderr; log it line by line. */
static void
err_read(struct keeper *k)
{
	char buf[EXEC_ERRLINE];
	ssize_t n, i;

	while ((n = read(k->errfd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n' || k->errlen == sizeof(k->errbuf))
				err_flush(k);
			if (buf[i] != '\n')
				k->errbuf[k->errlen++] = buf[i];
		}
	}
	if (n == 0) { /* every writer closed it */
		err_flush(k);
		close(k->errfd);
		k->errfd = -1;
	}
}

/*
 * Move what one side has to the other; 1 if a byte moved, 0 if none,
 * -1 when the client's side failed.  A failure on the program's side
 * (it shut its socket) only ends this direction: the program's exit
 * decides the rest.
 */
static int
relay_io(struct keeper *k, int from, int to, char *buf, size_t *len,
    size_t *off, int *eof)
{
	ssize_t n;
	int moved = 0;

	if (*len == 0 && !*eof) {
		n = read(from, buf, EXEC_BUFSZ);
		if (n > 0) {
			*len = (size_t)n;
			*off = 0;
			moved = 1;
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			if (n == -1 && from == k->conn)
				return -1;
			*eof = 1;
			shutdown(to, SHUT_WR); /* pass the EOF on */
		}
	}
	if (*len > 0) {
		n = send(to, buf + *off, *len - *off, MSG_NOSIGNAL);
		if (n > 0) {
			*off += (size_t)n;
			moved = 1;
			if (*off == *len)
				*len = *off = 0;
		} else if (n == -1 && errno != EAGAIN && errno != EINTR) {
			if (to == k->conn)
				return -1;
			*len = *off = 0; /* the program reads no more */
			*eof = 1;
		}
	}
	return moved;
}

/* One turn of the relay after poll; -1 when the client is gone. */
static int
relay_turn(struct keeper *k)
{
	int a, b;

	a = relay_io(k, k->conn, k->sp, k->c2p, &k->c2plen, &k->c2poff,
	    &k->conn_eof);
	b = relay_io(k, k->sp, k->conn, k->p2c, &k->p2clen, &k->p2coff,
	    &k->prog_eof);
	if (a == 1 || b == 1)
		k->last = os_monotonic();
	return a == -1 || b == -1 ? -1 : 0;
}

static int
relay_events(const struct keeper *k, int fd)
{
	int ev = 0;

	if (fd == k->conn) {
		if (k->c2plen == 0 && !k->conn_eof)
			ev |= POLLIN;
		if (k->p2clen > 0)
			ev |= POLLOUT;
	} else {
		if (k->p2clen == 0 && !k->prog_eof)
			ev |= POLLIN;
		if (k->c2plen > 0)
			ev |= POLLOUT;
	}
	return ev;
}

/* A side with nothing to wait for is left out: a hang-up would spin. */
static struct pollfd
relay_pollfd(const struct keeper *k, int fd)
{
	struct pollfd p = {.fd = fd, .events = (short)relay_events(k, fd)};

	if (p.events == 0)
		p.fd = -1;
	return p;
}

/*
 * The connection, polled always, if only for an error: a client that
 * reset it is gone, whether or not the program reads or writes.  Once
 * it is hung up and nothing is waited for, it is left out (it would
 * spin).
 */
static struct pollfd
conn_pollfd(const struct keeper *k)
{
	struct pollfd p = {.fd = k->conn};

	if (k->relay)
		p.events = (short)relay_events(k, k->conn);
	if ((k->conn_hup || k->conn_err) && !(p.events & POLLIN))
		p.fd = -1; /* a pending error would wake us without end */
	return p;
}

/*
 * An error on the connection: the client reset or vanished.  With nothing
 * of its left to read, it is gone and so is the program's purpose.  But a
 * client that writes its request and closes without reading (a banner,
 * say) resets too, and its request is still queued: the program reads it
 * and runs on, the connection no longer watched, as after an EOF.
 */
static int
conn_gone(struct keeper *k)
{
	int n;

	if (ioctl(k->conn, FIONREAD, &n) == -1 || n <= 0)
		return 1;
	k->conn_err = 1;
	return 0;
}

/*
 * Watch the program until it exits (return 0), goes idle past the
 * timeout (1) or loses its client (2).
 */
static int
keeper_watch(struct keeper *k)
{
	struct pollfd pfd[4];
	long left;
	int n, tmo;

	for (;;) {
		n = 0;
		pfd[n++] = (struct pollfd){.fd = k->pidfd, .events = POLLIN};
		pfd[n++] = (struct pollfd){.fd = k->errfd, .events = POLLIN};
		pfd[n++] = conn_pollfd(k);
		if (k->relay)
			pfd[n++] = relay_pollfd(k, k->sp);
		tmo = -1;
		if (k->relay && k->e->timeout > 0) {
			left = k->e->timeout * 1000L - ms_since(k->last);
			if (left <= 0)
				return 1;
			tmo = (int)(left > 60000 ? 60000 : left);
		}
		if (poll(pfd, (nfds_t)n, tmo) == -1 && errno != EINTR)
			return 2;
		if (k->errfd != -1 && pfd[1].revents != 0)
			err_read(k);
		if (pfd[0].revents != 0)
			return 0;
		if ((pfd[2].revents & POLLERR) && conn_gone(k))
			return 2;
		if (pfd[2].revents & POLLHUP)
			k->conn_hup = 1;
		if (k->relay && relay_turn(k) == -1)
			return 2;
	}
}

/* After the program exited: pass on what it wrote last, briefly. */
static void
keeper_drain(struct keeper *k)
{
	struct pollfd pfd;
	int i;

	if (k->errfd != -1)
		err_read(k);
	err_flush(k);
	if (!k->relay)
		return;
	k->conn_eof = 1; /* nobody reads the program's stdin now */
	k->c2plen = 0;
	for (i = 0; i < 1000 && (k->p2clen > 0 || !k->prog_eof); i++) {
		if (relay_turn(k) == -1)
			return;
		if (k->p2clen == 0 && !k->prog_eof) {
			/* data not yet read: only if there is some now */
			pfd = (struct pollfd){.fd = k->sp, .events = POLLIN};
			if (poll(&pfd, 1, 0) <= 0)
				return;
		} else if (k->p2clen > 0) {
			pfd = (struct pollfd){.fd = k->conn, .events = POLLOUT};
			if (poll(&pfd, 1, 5000) <= 0)
				return;
		}
	}
}

/*
 * Kill the program's group and reap it and every orphan of it that was
 * reparented to us (we are a subreaper); a descendant that left the
 * group (setsid) is found in /proc/self/task/TID/children.
 */
static void
keeper_sweep(pid_t pgid)
{
	pid_t tid = (pid_t)syscall(SYS_gettid), kid;
	FILE *f;
	int i, st;

	for (i = 0; i < EXEC_REAP_MAX; i++) {
		kill(-pgid, SIGKILL);
		if ((f = os_children_open(tid)) != NULL) {
			while ((kid = os_children_next(f)) > 0)
				kill(kid, SIGKILL);
			fclose(f);
		}
		if (waitpid(-1, &st, 0) == -1 && errno == ECHILD)
			break;
	}
}

/* SIGTERM the group, give it EXEC_GRACE_MS, then the sweep kills it. */
static void
keeper_term(struct keeper *k)
{
	struct pollfd pfd = {.fd = k->pidfd, .events = POLLIN};

	kill(-k->pid, SIGTERM);
	poll(&pfd, 1, EXEC_GRACE_MS);
	kill(-k->pid, SIGKILL);
}

static int
status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

/* ---------------------------------------------------------- the handler */

/* Fork the program; set up k.  0, or -1 with errno set. */
static int
keeper_start(struct keeper *k, int conn, char **envp)
{
	int errp[2], sp[2] = {-1, -1}, io;
	pid_t me;

	if (pipe2(errp, O_CLOEXEC) == -1)
		return -1;
	if (k->relay &&
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		goto fail;
	io = k->relay ? sp[1] : conn;
	k->conn = conn;
	me = getpid();
	if ((k->pid = fork()) == -1)
		goto fail;
	if (k->pid == 0)
		child_exec(k->e, envp, io, errp[1], me);
	setpgid(k->pid, k->pid); /* both sides: no race with kill */
	close(errp[1]);
	k->errfd = errp[0];
	fcntl(k->errfd, F_SETFL, O_NONBLOCK);
	if (k->relay) {
		close(sp[1]);
		k->sp = sp[0];
		fcntl(k->sp, F_SETFL, O_NONBLOCK);
		fcntl(conn, F_SETFL, fcntl(conn, F_GETFL) | O_NONBLOCK);
	}
	if ((k->pidfd = os_pidfd_open(k->pid)) == -1) {
		keeper_sweep(k->pid);
		return -1;
	}
	k->last = os_monotonic();
	return 0;
fail:
	close(errp[0]);
	close(errp[1]);
	if (sp[0] != -1) {
		close(sp[0]);
		close(sp[1]);
	}
	return -1;
}

/* Run the program for this connection; returns its wait status. */
static int
keeper_run(struct keeper *k, int conn, char **envp)
{
	int why, st = 0;

	if (keeper_start(k, conn, envp) == -1) {
		k->e->menv->log(LOG_ERR, "exec: %s: cannot start %s: %s",
		    k->e->menv->service, k->e->argv[0], strerror(errno));
		return 1 << 8; /* exit status 1 */
	}
	why = keeper_watch(k);
	if (why == 1)
		k->e->menv->log(LOG_NOTICE,
		    "exec: %s: %s[%ld] idle for %d s, "
		    "killed",
		    k->e->menv->service, k->e->argv[0], (long)k->pid,
		    k->e->timeout);
	else if (why == 2)
		k->e->menv->log(LOG_INFO,
		    "exec: %s: %s[%ld]: the client is gone, killed",
		    k->e->menv->service, k->e->argv[0], (long)k->pid);
	if (why != 0)
		keeper_term(k);
	while (waitpid(k->pid, &st, 0) == -1 && errno == EINTR)
		;
	keeper_drain(k);
	keeper_sweep(k->pid);
	close(k->pidfd);
	if (k->errfd != -1)
		close(k->errfd);
	if (k->relay)
		close(k->sp);
	return st;
}

static int
exec_handle(struct sockserv_request *req)
{
	struct exec *e = sockserv_request_context(req);
	char vars[EXEC_NVARS][EXEC_VARLEN], **envp;
	struct sigaction dfl = {.sa_handler = SIG_DFL}, old;
	struct keeper *k;
	int conn = sockserv_request_fd(req), nv, st;

	if (e == NULL)
		return -1;
	if ((nv = ucspi_vars(conn, vars)) == -1) {
		e->menv->log(LOG_ERR, "exec: %s: the client's address: %s",
		    e->menv->service, strerror(errno));
		return -1;
	}
	if ((envp = build_env(e, vars, nv)) == NULL ||
	    (k = calloc(1, sizeof(*k))) == NULL) {
		e->menv->log(LOG_ERR, "exec: %s: %s", e->menv->service,
		    strerror(errno));
		return -1;
	}
	k->e = e;
	k->relay = e->timeout > 0;
	k->errfd = k->sp = k->conn = -1;
	/* we must see our children's exits: no inherited SIG_IGN */
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGCHLD, &dfl, &old);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	st = keeper_run(k, conn, envp);
	sigaction(SIGCHLD, &old, NULL);
	free(envp);
	free(k);
	if (status_code(st) != 0 && e->menv->mode != SOCKSERV_FORK)
		e->menv->log(LOG_INFO, "exec: %s: %s exited with status %d",
		    e->menv->service, e->argv[0], status_code(st));
	if (e->menv->mode == SOCKSERV_FORK) {
		/* the request's status is the program's: the master logs it */
		shutdown(conn, SHUT_WR);
		_exit(status_code(st));
	}
	return status_code(st) == 0 ? 0 : -1;
}

static const struct sockserv_handler exec_stream = {
    .handle = exec_handle,
};

const struct sockserv_module sockserv_module = {
    .abi = SOCKSERV_MODULE_ABI,
    .name = "exec",
    .socktypes = SOCKSERV_MOD_STREAM,
    .thread_safe = false,
    .options = exec_opts,
    .check = exec_check,
    .init = exec_init,
    .fini = exec_fini,
    .stream = &exec_stream,
};
