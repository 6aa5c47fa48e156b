/*
 * acl.c -- address access control: the `allow' and `deny' lists of a
 * service.
 *
 * A rule is a CIDR prefix, `10.0.0.0/8' or `::1/128' (a bare address is
 * a full-length prefix).  A prefix with bits set after its length is an
 * error rather than silently widened or narrowed: `10.0.0.1/8' almost
 * always hides a typo, and the administrator should say which one was
 * meant.  Rules written as IPv4-mapped IPv6 (`::ffff:10.0.0.0/104') are
 * stored as the IPv4 rule they mean, and an IPv4-mapped IPv6 peer (a
 * client of a dual-stack `*' listener) is matched against IPv4 rules, so
 * one rule covers a client whatever socket family it arrived on.
 *
 * Admission is decided by acl_admit(): a peer matching any `deny' rule
 * is refused (deny wins); otherwise, if the `allow' list is empty every
 * peer is admitted, else only one matching an `allow' rule.  ACLs apply
 * to IP peers only: a Unix-socket client is always admitted, its access
 * being governed by the socket file's mode and owner.
 *
 * Nothing here allocates or logs, so it is safe on the accept path.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockservd.h"

static const uint8_t v4mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
    0xff};

/* True if any bit of addr beyond the first len bits is set. */
static bool
acl_host_bits(const uint8_t *addr, int alen, int len)
{
	int i;

	for (i = 0; i < alen; i++) {
		int bits = len - i * 8;
		uint8_t mask;

		if (bits >= 8)
			continue;
		mask = bits <= 0 ? 0xff : (uint8_t)(0xff >> bits);
		if (addr[i] & mask)
			return true;
	}
	return false;
}

/* Copy the address part of cidr (brackets removed) into buf. */
static int
acl_split(const char *cidr, char *buf, size_t len, const char **plen)
{
	const char *slash, *start = cidr, *stop;

	slash = strchr(cidr, '/');
	stop = slash != NULL ? slash : cidr + strlen(cidr);
	*plen = slash != NULL ? slash + 1 : NULL;
	if (*start == '[') {
		if (stop == start || stop[-1] != ']')
			return -1;
		start++;
		stop--;
	}
	if (stop <= start || (size_t)(stop - start) >= len)
		return -1;
	memcpy(buf, start, (size_t)(stop - start));
	buf[stop - start] = '\0';
	return 0;
}

/*
 * Parse one CIDR prefix into *out.  On error returns -1 and writes a
 * one-line reason naming the text to err (which may be NULL).
 */
int
acl_parse(const char *cidr, struct acl_rule *out, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *plen;
	int alen, len;

	memset(out, 0, sizeof(*out));
	if (cidr == NULL || acl_split(cidr, host, sizeof(host), &plen) == -1)
		goto bad;
	if (inet_pton(AF_INET, host, out->addr) == 1) {
		out->family = AF_INET;
		alen = 4;
	} else if (inet_pton(AF_INET6, host, out->addr) == 1) {
		out->family = AF_INET6;
		alen = 16;
	} else
		goto bad;
	len = plen != NULL ? (int)os_decimal(plen, alen * 8) : alen * 8;
	if (len == -1) {
		if (err != NULL)
			snprintf(err, errlen,
			    "%s: prefix length must be a "
			    "number from 0 to %d",
			    cidr, alen * 8);
		errno = EINVAL;
		return -1;
	}
	if (acl_host_bits(out->addr, alen, len)) {
		if (err != NULL)
			snprintf(err, errlen,
			    "%s: address has bits set "
			    "beyond the /%d prefix",
			    cidr, len);
		errno = EINVAL;
		return -1;
	}
	out->prefixlen = len;
	if (out->family == AF_INET6 && len >= 96 &&
	    memcmp(out->addr, v4mapped_prefix, 12) == 0) {
		/* ::ffff:a.b.c.d/N is the IPv4 rule a.b.c.d/(N-96). */
		memmove(out->addr, out->addr + 12, 4);
		memset(out->addr + 4, 0, 12);
		out->family = AF_INET;
		out->prefixlen = len - 96;
	}
	return 0;
bad:
	if (err != NULL)
		snprintf(err, errlen,
		    "%s: not an address or CIDR prefix "
		    "(e.g. 10.0.0.0/8, ::1/128)",
		    cidr != NULL ? cidr : "");
	errno = EINVAL;
	return -1;
}

/* True if the first len bits of a and b are equal. */
static bool
acl_prefix_eq(const uint8_t *a, const uint8_t *b, int len)
{
	int full = len / 8, rest = len % 8;
	uint8_t mask;

	if (full > 0 && memcmp(a, b, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

static bool
acl_match_one(const struct acl_rule *rules, size_t n, int family,
    const uint8_t *addr)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rules[i].family == family &&
		    acl_prefix_eq(rules[i].addr, addr, rules[i].prefixlen))
			return true;
	return false;
}

/* One client, whichever listener and port: libsockserv's rule. */
bool
acl_same_peer(const struct sockaddr *a, const struct sockaddr *b)
{
	uint32_t ka[4], kb[4];
	int fa;

	fa = sockserv_sockaddr_key(a, ka);
	return fa != 0 && fa == sockserv_sockaddr_key(b, kb) &&
	    memcmp(ka, kb, sizeof(ka)) == 0;
}

/*
 * True if the peer sa matches any of the n rules.  An IPv4-mapped IPv6
 * peer matches IPv4 rules (and IPv6 rules covering ::ffff:0:0/96).  A
 * peer of any other family matches nothing.
 */
bool
acl_match(const struct acl_rule *rules, size_t n, const struct sockaddr *sa)
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;
	const uint8_t *a6;

	if (sa == NULL || n == 0)
		return false;
	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)(const void *)sa;
		return acl_match_one(rules, n, AF_INET,
		    (const uint8_t *)&sin->sin_addr);
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		a6 = sin6->sin6_addr.s6_addr;
		if (memcmp(a6, v4mapped_prefix, 12) == 0 &&
		    acl_match_one(rules, n, AF_INET, a6 + 12))
			return true;
		return acl_match_one(rules, n, AF_INET6, a6);
	default:
		return false;
	}
}

/*
 * Should svc serve the peer sa?  Deny wins; an empty allow list allows
 * all; non-IP peers (Unix sockets) are always admitted.
 */
bool
acl_admit(const struct service *svc, const struct sockaddr *sa)
{
	if (sa == NULL ||
	    (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
		return true;
	if (acl_match(svc->deny, svc->ndeny, sa))
		return false;
	if (svc->nallow == 0)
		return true;
	return acl_match(svc->allow, svc->nallow, sa);
}
