# tests/unit/conf.mk: the configuration loader, the module loader and the
# logger (check_conf), with test-only modules built beside the real ones
# in $(top_builddir)/.libs, where the test points SOCKSERV_MODULE_DIR.
if HAVE_CHECK
check_PROGRAMS += check_conf
TESTS += check_conf
check_conf_SOURCES = tests/unit/check_conf.c
check_conf_CFLAGS = $(AM_CFLAGS) $(CONFUSE_CFLAGS) $(CHECK_CFLAGS) \
	-I$(top_srcdir)/src/daemon \
	-DMODULE_BUILD_DIR='"$(abs_top_builddir)/.libs"'
check_conf_LDADD = libsockservd.la libsockserv.la $(CHECK_LIBS) \
	$(CONFUSE_LIBS)
check_conf_LDFLAGS = -pthread

CONF_TESTMOD_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
# badabi (a module for another ABI) is tests/mod's, shared with the e2e tests.
check_LTLIBRARIES += mod_nosym.la mod_opts.la
mod_nosym_la_SOURCES = tests/unit/mod_nosym.c
mod_nosym_la_LDFLAGS = $(CONF_TESTMOD_LDFLAGS)
mod_opts_la_SOURCES = tests/unit/mod_opts.c
mod_opts_la_CFLAGS = $(AM_CFLAGS) $(CONFUSE_CFLAGS)
mod_opts_la_LDFLAGS = $(CONF_TESTMOD_LDFLAGS)
mod_opts_la_LIBADD = $(CONFUSE_LIBS)
endif
