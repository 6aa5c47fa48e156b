# sockservd: the daemon.  Its objects live in a convenience library that
# the unit tests link too, so tests exercise the very code that ships.
noinst_LTLIBRARIES += libsockservd.la
libsockservd_la_SOURCES = \
	src/daemon/sockservd.h \
	src/daemon/log.c \
	src/daemon/fault.c \
	src/daemon/arena.c \
	src/daemon/conf.c \
	src/daemon/conf-scan.c \
	src/daemon/module.c \
	src/daemon/trust.c \
	src/daemon/safefile.c \
	src/daemon/acl.c \
	src/daemon/priv.c \
	src/daemon/signal.c \
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
libsockservd_la_LIBADD = libsockserv.la $(CONFUSE_LIBS) $(CAP_LIBS) $(SYSTEMD_LIBS)

sbin_PROGRAMS += sockservd
sockservd_SOURCES = src/daemon/main.c
sockservd_CFLAGS = $(AM_CFLAGS) $(CONFUSE_CFLAGS) -pthread
sockservd_LDADD = libsockservd.la
sockservd_LDFLAGS = -pthread $(BIND_LDFLAGS)
