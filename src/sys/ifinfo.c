/* Interface and route facts over rtnetlink with libmnl: one request per
 * question, answered by the kernel, no IPv4-only ioctl. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/if.h>
#include <string.h>
#include <time.h>

#include "sys/ifinfo.h"

/* Large enough for any message of a dump the kernel sends at once. */
#define NL_BUF 32768
/* Our requests: a header and one or two attributes. */
#define NL_REQ 512

/* Send NLH on a fresh socket and feed every answer to CB until the
 * kernel's final message (NLMSG_DONE of a dump, the ACK of a request).
 * 0, or -1 with errno set (the kernel's own error for a refused
 * request: ENODEV for an unknown interface name, ENETUNREACH...). */
static int nl_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	static char buf[NL_BUF];
	struct mnl_socket *nl;
	unsigned portid, seq;
	int rc = -1, saved;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (nl == NULL)
		return -1;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) != 0)
		goto out;
	portid = mnl_socket_get_portid(nl);
	seq = (unsigned)time(NULL);
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		int r;

		if (n < 0)
			goto out;
		r = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
		if (r == MNL_CB_ERROR)
			goto out;
		if (r == MNL_CB_STOP)
			break;
	}
	rc = 0;
out:
	saved = errno;
	mnl_socket_close(nl);
	errno = saved;
	return rc;
}

/* ---- link --------------------------------------------------------------- */

struct link_ctx {
	struct ifinfo *info;
	int seen, ether;
};

static int link_attr(const struct nlattr *a, void *data)
{
	struct link_ctx *c = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(a) == sizeof(c->info->mac)) {
			memcpy(c->info->mac, mnl_attr_get_payload(a), sizeof(c->info->mac));
			c->ether |= 2;
		}
		break;
	case IFLA_MTU:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			c->info->mtu = (int)mnl_attr_get_u32(a);
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_ctx *c = data;
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifm))
		return MNL_CB_OK;
	c->seen = 1;
	c->info->index = ifm->ifi_index;
	c->info->up = (ifm->ifi_flags & IFF_UP) && (ifm->ifi_flags & IFF_RUNNING);
	if (ifm->ifi_type == ARPHRD_ETHER)
		c->ether |= 1;
	mnl_attr_parse(nlh, sizeof(*ifm), link_attr, c);
	return MNL_CB_OK;
}

/* ---- addresses ---------------------------------------------------------- */

struct addr_ctx {
	struct ifinfo *info;
	struct addr ip6_deprecated;
};

static void note_addr(struct addr_ctx *c, const struct ifaddrmsg *ifa, uint32_t flags,
                      const struct addr *a)
{
	struct ifinfo *i = c->info;

	i->naddr_total++;
	if (i->naddr < IFINFO_ADDR_MAX)
		i->addr[i->naddr++] = *a;
	if (a->family == AF_INET) {
		if (!addr_is_set(&i->ip4) && !(flags & IFA_F_SECONDARY))
			i->ip4 = *a;
		return;
	}
	/* A tentative address cannot be a source yet; a failed one never. */
	if (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED))
		return;
	if (ifa->ifa_scope == RT_SCOPE_LINK) {
		if (!addr_is_set(&i->ip6_ll))
			i->ip6_ll = *a;
	} else if (ifa->ifa_scope == RT_SCOPE_UNIVERSE) {
		if (flags & IFA_F_DEPRECATED) {
			if (!addr_is_set(&c->ip6_deprecated))
				c->ip6_deprecated = *a;
		} else if (!addr_is_set(&i->ip6)) {
			i->ip6 = *a;
		}
	}
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_ctx *c = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *at, *local = NULL, *address = NULL;
	uint32_t flags;
	size_t want;
	struct addr a;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa) ||
	    (int)ifa->ifa_index != c->info->index)
		return MNL_CB_OK;
	want = addr_bytes(ifa->ifa_family);
	if (want == 0)
		return MNL_CB_OK;
	flags = ifa->ifa_flags;
	mnl_attr_for_each(at, nlh, sizeof(*ifa)) {
		switch (mnl_attr_get_type(at)) {
		case IFA_LOCAL:
			local = at;
			break;
		case IFA_ADDRESS:
			address = at;
			break;
		case IFA_FLAGS:
			if (mnl_attr_validate(at, MNL_TYPE_U32) == 0)
				flags = mnl_attr_get_u32(at);
			break;
		default:
			break;
		}
	}
	/* On a point-to-point link IFA_ADDRESS is the peer's: IFA_LOCAL,
	 * when present, is ours. */
	at = local != NULL ? local : address;
	if (at == NULL || mnl_attr_get_payload_len(at) != want)
		return MNL_CB_OK;
	a = addr_from_bytes(ifa->ifa_family, mnl_attr_get_payload(at));
	note_addr(c, ifa, flags, &a);
	return MNL_CB_OK;
}

enum ifinfo_err ifinfo_get(const char *name, struct ifinfo *info)
{
	/* zeroed: libmnl 1.0.4 leaves an attribute's alignment padding
	 * as it finds it, and the kernel is sent the whole message */
	char req[NL_REQ] = { 0 };
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	struct ifaddrmsg *ifa;
	struct link_ctx lc = { .info = info };
	struct addr_ctx ac = { .info = info };

	memset(info, 0, sizeof(*info));
	if (name[0] == '\0' || strlen(name) >= IFNAMSIZ)
		return IFINFO_NO_SUCH;
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (nl_talk(nlh, link_cb, &lc) != 0)
		return errno == ENODEV ? IFINFO_NO_SUCH : IFINFO_SYS;
	if (!lc.seen) {
		errno = EPROTO;
		return IFINFO_SYS;
	}
	if (lc.ether != 3)
		return IFINFO_NOT_ETHER;

	memset(req, 0, sizeof(req));
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	ifa->ifa_index = (unsigned)info->index;
	if (nl_talk(nlh, addr_cb, &ac) != 0)
		return IFINFO_SYS;
	if (!addr_is_set(&info->ip6))
		info->ip6 = ac.ip6_deprecated;
	return IFINFO_OK;
}

const struct addr *ifinfo_source(const struct ifinfo *info, const struct addr *a)
{
	static const struct addr none;

	if (a->family == AF_INET)
		return &info->ip4;
	if (a->family == AF_INET6)
		return &info->ip6;
	return &none;
}

int ifinfo_has_addr(const struct ifinfo *info, const struct addr *a)
{
	for (unsigned i = 0; i < info->naddr; i++)
		if (addr_eq(&info->addr[i], a))
			return 1;
	return 0;
}

/* ---- route -------------------------------------------------------------- */

struct route_ctx {
	int family;
	struct addr src;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_ctx *c = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *at;

	if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm) ||
	    rtm->rtm_family != c->family)
		return MNL_CB_OK;
	mnl_attr_for_each(at, nlh, sizeof(*rtm)) {
		if (mnl_attr_get_type(at) == RTA_PREFSRC &&
		    mnl_attr_get_payload_len(at) == addr_bytes(c->family))
			c->src = addr_from_bytes(c->family, mnl_attr_get_payload(at));
	}
	return MNL_CB_OK;
}

int ifinfo_route_src(int index, const struct addr *dst, struct addr *src)
{
	char req[NL_REQ] = { 0 };    /* zeroed: see ifinfo_get */
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	struct route_ctx rc = { .family = dst->family };

	if (addr_bytes(dst->family) == 0) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = dst->family;
	rtm->rtm_dst_len = (unsigned char)addr_bits(dst->family);
	mnl_attr_put(nlh, RTA_DST, addr_bytes(dst->family), dst->u.b);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)index);
	if (nl_talk(nlh, route_cb, &rc) != 0)
		return -1;
	if (!addr_is_set(&rc.src)) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	*src = rc.src;
	return 0;
}
