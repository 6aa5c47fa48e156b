# Manual pages and documents.
dist_man_MANS += doc/libsockserv.3 doc/sockservd.8 doc/sockserv.conf.5 doc/sockserv-xfer.1

# The documents are installed in $(docdir) (/usr/share/doc/sockserv),
# performance.png with the page that shows it.
dist_doc_DATA += README LICENSE doc/design.md doc/privileges.md doc/xfer-protocol.md \
	doc/performance.md doc/performance.png

# The pages lint clean (mandoc, and groff as lintian runs it).
TESTS += contrib/check-man.sh
dist_check_SCRIPTS += contrib/check-man.sh
