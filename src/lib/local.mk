# libsockserv: the socketserver model (public API: src/include/sockserv.h).
lib_LTLIBRARIES += libsockserv.la
# The library's sources are named once: the daemon compiles them into
# itself too (src/daemon/local.mk says why).
LIBSOCKSERV_SOURCES = \
	src/lib/sockserv-int.h \
	src/lib/addr.c \
	src/lib/sock.c \
	src/lib/server.c \
	src/lib/object.c \
	src/lib/request.c \
	src/lib/io.c \
	src/lib/kids.c \
	src/lib/sync.c \
	src/lib/fork.c \
	src/lib/thread.c \
	src/lib/prefork.c
libsockserv_la_SOURCES = $(LIBSOCKSERV_SOURCES)
libsockserv_la_CFLAGS = $(AM_CFLAGS) -pthread
libsockserv_la_LDFLAGS = -version-info 2:0:2 -export-symbols-regex '^sockserv_' -pthread $(BIND_LDFLAGS)

include_HEADERS += src/include/sockserv.h
sockservincludedir = $(includedir)/sockserv
sockservinclude_HEADERS = src/include/sockserv/module.h
# libsockserv.pc for library users; sockserv-module.pc for module authors,
# whose <sockserv/module.h> declares libConfuse option tables (the library
# itself links no libConfuse, so libsockserv.pc does not require it).
pkgconfig_DATA += src/lib/libsockserv.pc src/lib/sockserv-module.pc
DISTCLEANFILES += src/lib/libsockserv.pc src/lib/sockserv-module.pc
EXTRA_DIST += src/lib/libsockserv.pc.in src/lib/sockserv-module.pc.in
