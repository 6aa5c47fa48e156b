/*
 * addr.c -- listening addresses: parse and format the URL forms
 * (tcp://, udp://, unix://, unixgram://), format socket addresses
 * numerically for logs, and the one rule for "the same client"
 * (sockserv_sockaddr_key: IPv4-mapped IPv6 folded to IPv4).  Nothing here ever
 * resolves an address to a name; only sockserv_addr_resolve (and
 * sockserv_addr_parse, its first result) resolves a host name to addresses.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockserv-int.h"

static int parse_fail(char *, size_t, int, const char *, ...)
    __attribute__((format(printf, 4, 5)));

static int
parse_fail(char *err, size_t errlen, int e, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	errno = e;
	return -1;
}

static int
parse_port(const char *s, in_port_t *port)
{
	long v;

	if ((v = os_decimal(s, 65535)) == -1)
		return -1;
	*port = htons((in_port_t)v);
	return 0;
}

/* Store one resolved address, with the port, into out. */
static int
host_store(const struct addrinfo *ai, in_port_t port, struct sockserv_addr *out)
{
	if (ai->ai_addrlen > sizeof(out->sa) ||
	    (ai->ai_family != AF_INET && ai->ai_family != AF_INET6))
		return -1;
	out->family = ai->ai_family;
	out->len = ai->ai_addrlen;
	memcpy(&out->sa, ai->ai_addr, ai->ai_addrlen);
	if (out->family == AF_INET)
		((struct sockaddr_in *)&out->sa)->sin_port = port;
	else
		((struct sockaddr_in6 *)&out->sa)->sin6_port = port;
	return 0;
}

/*
 * Resolve host (no brackets) into out[0..max); numeric first, then the
 * resolver.  Returns how many addresses were stored, in the resolver's
 * order.
 */
static int
parse_host(const char *host, in_port_t port, struct sockserv_addr *out,
    size_t max, bool bracketed, char *err, size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	size_t n = 0;
	int rv;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = bracketed ? AF_INET6 : AF_UNSPEC;
	hints.ai_socktype = out->socktype;
	hints.ai_flags = bracketed ? AI_NUMERICHOST : 0;
	if ((rv = getaddrinfo(host, NULL, &hints, &res)) != 0)
		return parse_fail(err, errlen,
		    rv == EAI_SYSTEM ? errno : EHOSTUNREACH, "%s: %s", host,
		    rv == EAI_SYSTEM ? strerror(errno) : gai_strerror(rv));
	for (ai = res; ai != NULL && n < max; ai = ai->ai_next) {
		out[n].socktype = out->socktype;
		if (host_store(ai, port, &out[n]) == 0)
			n++;
	}
	freeaddrinfo(res);
	if (n == 0)
		return parse_fail(err, errlen, EAFNOSUPPORT,
		    "%s: unsupported address family", host);
	return (int)n;
}

static int
parse_inet(const char *rest, struct sockserv_addr *out, size_t max, char *err,
    size_t errlen)
{
	char host[256];
	const char *colon, *hs, *he;
	struct sockaddr_in6 *s6;
	in_port_t port;
	bool bracketed = false;

	if (rest[0] == '[') {
		hs = rest + 1;
		if ((he = strchr(hs, ']')) == NULL || he[1] != ':')
			return parse_fail(err, errlen, EINVAL,
			    "%s: expected [IPv6]:PORT", rest);
		colon = he + 1;
		bracketed = true;
	} else {
		hs = rest;
		if ((colon = strrchr(rest, ':')) == NULL)
			return parse_fail(err, errlen, EINVAL,
			    "%s: expected HOST:PORT", rest);
		he = colon;
		if (memchr(hs, ':', (size_t)(he - hs)) != NULL)
			return parse_fail(err, errlen, EINVAL,
			    "%s: an IPv6 address needs brackets", rest);
	}
	if (he == hs || (size_t)(he - hs) >= sizeof(host))
		return parse_fail(err, errlen, EINVAL, "%s: bad host", rest);
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	if (parse_port(colon + 1, &port) == -1)
		return parse_fail(err, errlen, EINVAL, "%s: bad port `%s'",
		    rest, colon + 1);
	if (!bracketed && strcmp(host, "*") == 0) {
		s6 = (struct sockaddr_in6 *)&out->sa;
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_any;
		s6->sin6_port = port;
		out->family = AF_INET6;
		out->len = sizeof(*s6);
		out->wildcard = true;
		return 1;
	}
	return parse_host(host, port, out, max, bracketed, err, errlen);
}

static int
parse_unix(const char *rest, struct sockserv_addr *out, char *err,
    size_t errlen)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&out->sa;
	size_t n = strlen(rest);

	if (rest[0] != '/')
		return parse_fail(err, errlen, EINVAL,
		    "%s: a Unix socket needs an absolute path", rest);
	if (n >= sizeof(sun->sun_path))
		return parse_fail(err, errlen, ENAMETOOLONG,
		    "%s: path too long (max %zu)", rest,
		    sizeof(sun->sun_path) - 1);
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, rest, n + 1);
	out->family = AF_UNIX;
	out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	return 1;
}

int
sockserv_addr_resolve(const char *url, struct sockserv_addr *out, size_t max,
    char *err, size_t errlen)
{
	static const struct {
		const char *scheme;
		int socktype;
		bool local;
	} schemes[] = {
	    {"tcp://", SOCK_STREAM, false},
	    {"udp://", SOCK_DGRAM, false},
	    {"unix://", SOCK_STREAM, true},
	    {"unixgram://", SOCK_DGRAM, true},
	};
	size_t i, n;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (url == NULL || out == NULL || max == 0)
		return parse_fail(err, errlen, EINVAL, "no address");
	memset(out, 0, max * sizeof(*out));
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		n = strlen(schemes[i].scheme);
		if (strncmp(url, schemes[i].scheme, n) != 0)
			continue;
		out->socktype = schemes[i].socktype;
		if (schemes[i].local)
			return parse_unix(url + n, out, err, errlen);
		return parse_inet(url + n, out, max, err, errlen);
	}
	return parse_fail(err, errlen, EINVAL,
	    "%s: expected tcp://, udp://, unix:// or unixgram://", url);
}

int
sockserv_addr_parse(const char *url, struct sockserv_addr *out, char *err,
    size_t errlen)
{
	return sockserv_addr_resolve(url, out, 1, err, errlen) == -1 ? -1 : 0;
}

int
addr_sockaddr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return -1;
}

/* The numeric host part: an IPv4-mapped IPv6 address shows as IPv4. */
static int
format_host(const struct sockaddr *sa, socklen_t salen, char *host, size_t len)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	struct sockaddr_in s4;

	if (sa->sa_family == AF_INET6 && salen >= sizeof(*s6) &&
	    IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		memset(&s4, 0, sizeof(s4));
		s4.sin_family = AF_INET;
		memcpy(&s4.sin_addr, &s6->sin6_addr.s6_addr[12], 4);
		sa = (const struct sockaddr *)&s4;
		salen = sizeof(s4);
	}
	if (getnameinfo(sa, salen, host, (socklen_t)len, NULL, 0,
		NI_NUMERICHOST) != 0)
		return -1;
	return sa->sa_family;
}

int
sockserv_sockaddr_format(const struct sockaddr *sa, socklen_t salen, char *buf,
    size_t len)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)sa;
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	size_t off = offsetof(struct sockaddr_un, sun_path), n;
	int fam;

	/* A caller logging the result must never print garbage. */
	if (len > 0)
		buf[0] = '\0';
	if (sa == NULL || salen < sizeof(sa_family_t)) {
		errno = EINVAL;
		return -1;
	}
	switch (sa->sa_family) {
	case AF_INET:
	case AF_INET6:
		if ((fam = format_host(sa, salen, host, sizeof(host))) == -1) {
			errno = EINVAL;
			return -1;
		}
		return snprintf(buf, len, fam == AF_INET6 ? "[%s]:%d" : "%s:%d",
		    host, addr_sockaddr_port(sa));
	case AF_UNIX:
		if (salen <= off)
			return snprintf(buf, len, "unix:");
		n = strnlen(sun->sun_path, salen - off);
		if (sun->sun_path[0] == '\0') /* abstract */
			return snprintf(buf, len, "@%.*s",
			    (int)(salen - off - 1), sun->sun_path + 1);
		return snprintf(buf, len, "%.*s", (int)n, sun->sun_path);
	default:
		errno = EAFNOSUPPORT;
		return -1;
	}
}

/*
 * The comparable part of a client address: family and 16 bytes, an
 * IPv4-mapped IPv6 address folded to IPv4, so one dual-stack client is
 * one client whichever listener it came through.  0 for anything else.
 */
int
sockserv_sockaddr_key(const struct sockaddr *sa, uint32_t key[4])
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	memset(key, 0, 4 * sizeof(key[0]));
	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)(const void *)sa;
		memcpy(&key[0], &sin->sin_addr, 4);
		return AF_INET;
	}
	if (sa->sa_family != AF_INET6)
		return 0;
	sin6 = (const struct sockaddr_in6 *)(const void *)sa;
	if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		memcpy(&key[0], &sin6->sin6_addr.s6_addr[12], 4);
		return AF_INET;
	}
	memcpy(key, &sin6->sin6_addr, 16);
	return AF_INET6;
}

int
sockserv_addr_format(const struct sockserv_addr *a, char *buf, size_t len)
{
	const char *scheme;
	char host[SOCKSERV_ADDRSTRLEN];
	int n;

	if (a->family == AF_UNIX) {
		scheme = a->socktype == SOCK_DGRAM ? "unixgram" : "unix";
		n = sockserv_sockaddr_format((const struct sockaddr *)&a->sa,
		    a->len, host, sizeof(host));
		if (n < 0)
			return -1;
		return snprintf(buf, len, "%s://%s", scheme, host);
	}
	scheme = a->socktype == SOCK_DGRAM ? "udp" : "tcp";
	if (a->wildcard)
		return snprintf(buf, len, "%s://*:%d", scheme,
		    addr_sockaddr_port((const struct sockaddr *)&a->sa));
	n = sockserv_sockaddr_format((const struct sockaddr *)&a->sa, a->len,
	    host, sizeof(host));
	if (n < 0)
		return -1;
	return snprintf(buf, len, "%s://%s", scheme, host);
}
