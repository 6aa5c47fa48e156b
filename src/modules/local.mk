# Bundled handler modules: each a dlopen()able NAME.so in $(pkglibdir).
# They link no libsockserv: sockservd has it compiled in and exports its
# API (src/daemon/local.mk), and -z now binds it when the module loads.
MODULE_LDFLAGS = -module -avoid-version -shared $(BIND_LDFLAGS)
MODULE_LIBADD = $(CONFUSE_LIBS)
MODULE_CFLAGS = $(AM_CFLAGS) $(CONFUSE_CFLAGS)

pkglib_LTLIBRARIES += echo.la upper.la discard.la daytime.la chargen.la
echo_la_SOURCES = src/modules/echo.c
echo_la_CFLAGS = $(MODULE_CFLAGS)
echo_la_LDFLAGS = $(MODULE_LDFLAGS)
echo_la_LIBADD = $(MODULE_LIBADD)
upper_la_SOURCES = src/modules/upper.c
upper_la_CFLAGS = $(MODULE_CFLAGS)
upper_la_LDFLAGS = $(MODULE_LDFLAGS)
upper_la_LIBADD = $(MODULE_LIBADD)
discard_la_SOURCES = src/modules/discard.c
discard_la_CFLAGS = $(MODULE_CFLAGS)
discard_la_LDFLAGS = $(MODULE_LDFLAGS)
discard_la_LIBADD = $(MODULE_LIBADD)
daytime_la_SOURCES = src/modules/daytime.c
daytime_la_CFLAGS = $(MODULE_CFLAGS)
daytime_la_LDFLAGS = $(MODULE_LDFLAGS)
daytime_la_LIBADD = $(MODULE_LIBADD)
chargen_la_SOURCES = src/modules/chargen.c
chargen_la_CFLAGS = $(MODULE_CFLAGS)
chargen_la_LDFLAGS = $(MODULE_LDFLAGS)
chargen_la_LIBADD = $(MODULE_LIBADD)
