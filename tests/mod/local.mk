# tests/mod: test-only handler modules for the e2e scenarios.  Built by
# `make check' only; -rpath makes libtool build a shared object, which lands
# in $(top_builddir)/.libs/NAME.so beside the bundled modules.
TESTMOD_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
TESTMOD_LIBADD = $(CONFUSE_LIBS)
TESTMOD_CFLAGS = $(AM_CFLAGS) $(CONFUSE_CFLAGS)

check_LTLIBRARIES += slow.la crash.la crashinit.la badabi.la
slow_la_SOURCES = tests/mod/slow.c
slow_la_CFLAGS = $(TESTMOD_CFLAGS)
slow_la_LDFLAGS = $(TESTMOD_LDFLAGS)
slow_la_LIBADD = $(TESTMOD_LIBADD)
crash_la_SOURCES = tests/mod/crash.c tests/mod/crash-segv.h
crash_la_CFLAGS = $(TESTMOD_CFLAGS)
crash_la_LDFLAGS = $(TESTMOD_LDFLAGS)
crash_la_LIBADD = $(TESTMOD_LIBADD)
crashinit_la_SOURCES = tests/mod/crashinit.c tests/mod/crash-segv.h
crashinit_la_CFLAGS = $(TESTMOD_CFLAGS)
crashinit_la_LDFLAGS = $(TESTMOD_LDFLAGS)
crashinit_la_LIBADD = $(TESTMOD_LIBADD)
badabi_la_SOURCES = tests/mod/badabi.c
badabi_la_CFLAGS = $(TESTMOD_CFLAGS)
badabi_la_LDFLAGS = $(TESTMOD_LDFLAGS)
badabi_la_LIBADD = $(TESTMOD_LIBADD)
