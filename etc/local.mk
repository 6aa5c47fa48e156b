# The example configuration and the systemd unit.
#
# The example config is installed only where none exists yet, so an
# upgrade never overwrites an administrator's file; uninstall removes it
# only while it is still the unmodified example.
dist_noinst_DATA += etc/sockserv.conf
EXTRA_DIST += etc/sockservd.service.in

install-data-local: install-example-conf
install-example-conf:
	$(MKDIR_P) '$(DESTDIR)$(sysconfdir)'
	@if test -f '$(DESTDIR)$(sysconfdir)/sockserv.conf'; then \
	  echo "keeping existing $(DESTDIR)$(sysconfdir)/sockserv.conf"; \
	else \
	  $(INSTALL_DATA) '$(srcdir)/etc/sockserv.conf' \
	    '$(DESTDIR)$(sysconfdir)/sockserv.conf'; \
	fi
uninstall-local:
	@if cmp -s '$(srcdir)/etc/sockserv.conf' \
	    '$(DESTDIR)$(sysconfdir)/sockserv.conf'; then \
	  rm -f '$(DESTDIR)$(sysconfdir)/sockserv.conf'; \
	fi

# The systemd unit, with the installed paths substituted.
systemdunitdir = $(prefix)/lib/systemd/system
systemdunit_DATA = etc/sockservd.service
CLEANFILES += etc/sockservd.service
etc/sockservd.service: $(srcdir)/etc/sockservd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc && \
	    $(etc_subst) $(srcdir)/etc/sockservd.service.in > $@

# The installed paths, substituted into a template (configure leaves
# them as make variables, so make does it).
etc_subst = sed \
	-e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@localstatedir[@]|$(localstatedir)|g' \
	-e 's|@runstatedir[@]|$(runstatedir)|g' \
	-e 's|@systemd_type[@]|$(systemd_type)|g' \
	-e 's|@systemd_reload[@]|$(systemd_reload)|g'

# logrotate(8) for a file log, with the installed paths substituted.
logrotatedir = $(sysconfdir)/logrotate.d
logrotate_DATA = etc/logrotate.d/sockserv
EXTRA_DIST += etc/logrotate.d/sockserv.in
CLEANFILES += etc/logrotate.d/sockserv
etc/logrotate.d/sockserv: $(srcdir)/etc/logrotate.d/sockserv.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc/logrotate.d && \
	    $(etc_subst) $(srcdir)/etc/logrotate.d/sockserv.in > $@

# The unit: valid (systemd-analyze verify) and hardened (exposure <= 2.0).
TESTS += contrib/check-unit.sh
dist_check_SCRIPTS += contrib/check-unit.sh

# An example socket unit (socket activation), with the other examples.
systemdexampledir = $(docdir)/examples
dist_systemdexample_DATA = etc/sockservd.socket
