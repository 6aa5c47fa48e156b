# src/modules/xfer.mk -- the exec and xfer handler modules.  The xfer
# protocol parser (xfer-proto.c) is shared with the sockserv-xfer client
# (src/client/local.mk) and the fuzzers (contrib/fuzz/local.mk); each
# target compiles its own copy of the object.
pkglib_LTLIBRARIES += exec.la xfer.la
exec_la_SOURCES = src/modules/exec.c
exec_la_CFLAGS = $(MODULE_CFLAGS)
exec_la_LDFLAGS = $(MODULE_LDFLAGS)
exec_la_LIBADD = $(MODULE_LIBADD)
xfer_la_SOURCES = src/modules/xfer.c src/modules/xfer-proto.c \
	src/modules/xfer-proto.h
xfer_la_CFLAGS = $(MODULE_CFLAGS)
xfer_la_LDFLAGS = $(MODULE_LDFLAGS)
xfer_la_LIBADD = $(MODULE_LIBADD)
