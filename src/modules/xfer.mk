# src/modules/xfer.mk -- the exec and xfer handler modules.  The xfer
# protocol parser and CRC (xfer-proto.c, zlib's crc32) are shared with the
# sockserv-xfer client (src/client/local.mk) and the fuzzers
# (contrib/fuzz/local.mk); each target compiles its own copy of the object
# and links zlib.
pkglib_LTLIBRARIES += exec.la xfer.la
exec_la_SOURCES = src/modules/exec.c
exec_la_CFLAGS = $(MODULE_CFLAGS)
exec_la_LDFLAGS = $(MODULE_LDFLAGS)
exec_la_LIBADD = $(MODULE_LIBADD)
xfer_la_SOURCES = src/modules/xfer.c src/modules/xfer-proto.c \
	src/modules/xfer-proto.h src/modules/xfer-quota.c \
	src/modules/xfer-quota.h src/modules/xfer-store.c \
	src/modules/xfer-store.h
xfer_la_CFLAGS = $(MODULE_CFLAGS) $(ZLIB_CFLAGS)
xfer_la_LDFLAGS = $(MODULE_LDFLAGS)
xfer_la_LIBADD = $(MODULE_LIBADD) $(ZLIB_LIBS)

# Unit tests of the protocol parsers and the quota records (Check).
if HAVE_CHECK
check_PROGRAMS += check_xfer_proto
TESTS += check_xfer_proto
check_xfer_proto_SOURCES = tests/unit/check_xfer_proto.c \
	src/modules/xfer-proto.c src/modules/xfer-proto.h \
	src/modules/xfer-quota.c src/modules/xfer-quota.h
check_xfer_proto_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/modules
check_xfer_proto_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(ZLIB_CFLAGS)
check_xfer_proto_LDADD = $(CHECK_LIBS) $(ZLIB_LIBS)
endif
