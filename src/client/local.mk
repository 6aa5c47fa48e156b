# src/client -- sockserv-xfer, the client of the xfer module.
bin_PROGRAMS += sockserv-xfer
sockserv_xfer_SOURCES = src/client/sockserv-xfer.c src/modules/xfer-proto.c \
	src/modules/xfer-proto.h
sockserv_xfer_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/modules
sockserv_xfer_CFLAGS = $(AM_CFLAGS) $(ZLIB_CFLAGS)
sockserv_xfer_LDADD = libsockserv.la $(ZLIB_LIBS)
