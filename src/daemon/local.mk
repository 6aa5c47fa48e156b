# sockservd: the daemon.  Its objects live in a convenience library that
# the unit tests link too, so tests exercise the very code that ships.
noinst_LTLIBRARIES += libsockservd.la
libsockservd_la_SOURCES = \
	src/daemon/sockservd.h \
	src/daemon/log.c \
	src/daemon/fault.c \
	src/daemon/arena.c \
	src/daemon/conf.c \
	src/daemon/conf-include.c \
	src/daemon/conf-keys.c \
	src/daemon/conf-mod.c \
	src/daemon/conf-msg.c \
	src/daemon/conf-scan.c \
	src/daemon/module.c \
	src/daemon/trust.c \
	src/daemon/safefile.c \
	src/daemon/acl.c \
	src/daemon/priv.c \
	src/daemon/signal.c \
	src/daemon/systemd.c \
	src/daemon/daemonize.c \
	src/daemon/listener.c \
	src/daemon/master.c \
	src/daemon/child.c \
	src/daemon/spare.c \
	src/daemon/pool.c \
	src/daemon/supervisor.c \
	src/daemon/scoreboard.c \
	src/daemon/worker.c
libsockservd_la_CFLAGS = $(AM_CFLAGS) $(CONFUSE_CFLAGS) $(CAP_CFLAGS) $(SYSTEMD_CFLAGS) -pthread
# libsystemd is not linked: systemd.c loads it when systemd started us.
libsockservd_la_LIBADD = $(CONFUSE_LIBS) $(CAP_LIBS)

# libsockserv is compiled into sockservd rather than linked as a shared
# object, and the daemon exports its API to the modules it loads (they
# link no libsockserv of their own).  One object fewer for every child
# forked per connection to map, relocate and unmap: the fork path is the
# hot path (doc/performance.md, "Fork mode").  The unit tests link
# libsockservd.la with the shared libsockserv.la instead.
sbin_PROGRAMS += sockservd
sockservd_SOURCES = src/daemon/main.c $(LIBSOCKSERV_SOURCES)
sockservd_CFLAGS = $(AM_CFLAGS) $(CONFUSE_CFLAGS) -pthread
sockservd_LDADD = libsockservd.la
sockservd_LDFLAGS = -pthread $(BIND_LDFLAGS) \
	-Wl,--export-dynamic-symbol='sockserv_*'
