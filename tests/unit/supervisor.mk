# tests/unit/supervisor.mk -- Check unit tests of the supervisor: its
# policies (prefork pool sizing, crash back-off, max_requests stagger and
# recycle cap) as pure functions, the shared-memory scoreboard with real
# forked writers, and the arena (memory forked children do not inherit).  Links the daemon's own objects (libsockservd.la).
if HAVE_CHECK
check_PROGRAMS += check_supervisor
TESTS += check_supervisor

check_supervisor_SOURCES = tests/unit/check_supervisor.c \
	tests/unit/check_common.c tests/unit/check_common.h
check_supervisor_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(CONFUSE_CFLAGS) \
	-I$(top_srcdir)/src/daemon -pthread
check_supervisor_LDADD = libsockservd.la libsockserv.la $(CHECK_LIBS) -lm
check_supervisor_LDFLAGS = -pthread
endif
