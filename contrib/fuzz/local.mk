# contrib/fuzz -- libFuzzer harnesses for the xfer request parser and the
# configuration loader, and their regression replay.
#
# The replay programs (harness + replay.c's main) are built and run by
# every `make check' over contrib/fuzz/corpus-*/.  The fuzzers themselves
# are built only with --enable-fuzzing and clang; see contrib/fuzz/README.
FUZZ_CONF_SOURCES = src/daemon/log.c src/daemon/conf.c src/daemon/conf-keys.c \
	src/daemon/conf-include.c \
	src/daemon/conf-mod.c src/daemon/conf-msg.c src/daemon/conf-scan.c \
	src/daemon/module.c src/daemon/trust.c src/daemon/safefile.c src/daemon/acl.c \
	src/daemon/sockservd.h
FUZZ_CONF_CFLAGS = $(AM_CFLAGS) $(CONFUSE_CFLAGS) -I$(top_srcdir)/src/daemon
FUZZ_CONF_LDADD = libsockserv.la $(CONFUSE_LIBS)

check_PROGRAMS += fuzz-replay-xfer fuzz-replay-conf
fuzz_replay_xfer_SOURCES = contrib/fuzz/replay.c contrib/fuzz/fuzz-xfer.c \
	src/modules/xfer-proto.c src/modules/xfer-proto.h
fuzz_replay_xfer_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/modules
fuzz_replay_xfer_CFLAGS = $(AM_CFLAGS) $(ZLIB_CFLAGS)
fuzz_replay_xfer_LDADD = $(ZLIB_LIBS)
fuzz_replay_conf_SOURCES = contrib/fuzz/replay.c contrib/fuzz/fuzz-conf.c \
	$(FUZZ_CONF_SOURCES)
fuzz_replay_conf_CFLAGS = $(FUZZ_CONF_CFLAGS)
fuzz_replay_conf_LDADD = $(FUZZ_CONF_LDADD)

TESTS += contrib/fuzz/replay.sh
dist_check_SCRIPTS += contrib/fuzz/replay.sh
EXTRA_DIST += contrib/fuzz/README contrib/fuzz/conf.dict contrib/fuzz/xfer.dict \
	contrib/fuzz/corpus-xfer \
	contrib/fuzz/corpus-conf

if FUZZING
FUZZ_FLAGS = -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer
noinst_PROGRAMS += fuzz-xfer fuzz-conf
fuzz_xfer_SOURCES = contrib/fuzz/fuzz-xfer.c src/modules/xfer-proto.c \
	src/modules/xfer-proto.h
fuzz_xfer_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/modules
fuzz_xfer_CFLAGS = $(AM_CFLAGS) $(ZLIB_CFLAGS) $(FUZZ_FLAGS)
fuzz_xfer_LDADD = $(ZLIB_LIBS)
fuzz_xfer_LDFLAGS = $(FUZZ_FLAGS)
fuzz_conf_SOURCES = contrib/fuzz/fuzz-conf.c $(FUZZ_CONF_SOURCES)
fuzz_conf_CFLAGS = $(FUZZ_CONF_CFLAGS) $(FUZZ_FLAGS)
fuzz_conf_LDADD = $(FUZZ_CONF_LDADD)
fuzz_conf_LDFLAGS = $(FUZZ_FLAGS)
endif
