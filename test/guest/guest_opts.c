/* SPDX-License-Identifier: BSD-3-Clause */
/* dnb-guest command line. Defaults are what stock Linux xen-netfront offers. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest.h"

/* Xen's DOMID_FIRST_RESERVED: ids from here on name special domains. */
#define DOMID_LIMIT 0x7ff0

enum {
	OPT_DOMID = 256,
	OPT_DEVID,
	OPT_SIM_DIR,
	OPT_BACKEND_DOMID,
	OPT_TAP,
	OPT_MAC,
	OPT_QUEUES,
	OPT_RX_FILL,
	OPT_NO_SG,
	OPT_NO_GSO,
	OPT_NO_CSUM,
	OPT_NO_RX_NOTIFY,
	OPT_NO_SPLIT,
	OPT_NO_MQ,
	OPT_HOSTILE,
	OPT_SEED,
	OPT_JUNK,
	OPT_JUNK_DST,
	OPT_RX_STALL,
	OPT_MTU,
	OPT_XDP_HEADROOM,
	OPT_CTRL_RING,
	OPT_MCAST_CONTROL,
	OPT_MCAST_JOIN,
};

static const struct option long_opts[] = {
	{ "domid", required_argument, NULL, OPT_DOMID },
	{ "devid", required_argument, NULL, OPT_DEVID },
	{ "sim-dir", required_argument, NULL, OPT_SIM_DIR },
	{ "backend-domid", required_argument, NULL, OPT_BACKEND_DOMID },
	{ "tap", required_argument, NULL, OPT_TAP },
	{ "mac", required_argument, NULL, OPT_MAC },
	{ "queues", required_argument, NULL, OPT_QUEUES },
	{ "rx-ring-fill", required_argument, NULL, OPT_RX_FILL },
	{ "no-sg", no_argument, NULL, OPT_NO_SG },
	{ "mtu", required_argument, NULL, OPT_MTU },
	{ "no-gso", no_argument, NULL, OPT_NO_GSO },
	{ "no-csum-offload", no_argument, NULL, OPT_NO_CSUM },
	{ "no-rx-notify", no_argument, NULL, OPT_NO_RX_NOTIFY },
	{ "no-split-evtchn", no_argument, NULL, OPT_NO_SPLIT },
	{ "no-multi-queue", no_argument, NULL, OPT_NO_MQ },
	{ "hostile-ms", required_argument, NULL, OPT_HOSTILE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "junk", required_argument, NULL, OPT_JUNK },
	{ "junk-dst", required_argument, NULL, OPT_JUNK_DST },
	{ "rx-stall", no_argument, NULL, OPT_RX_STALL },
	{ "xdp-headroom", required_argument, NULL, OPT_XDP_HEADROOM },
	{ "ctrl-ring", no_argument, NULL, OPT_CTRL_RING },
	{ "mcast-control", no_argument, NULL, OPT_MCAST_CONTROL },
	{ "mcast-join", required_argument, NULL, OPT_MCAST_JOIN },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *out)
{
	fprintf(out,
"Usage: dnb-guest --domid N --tap NAME [--sim-dir DIR] [options]\n"
"A simulated Xen guest with one netfront vif (speaks xen/io/netif.h as Linux's\n"
"xen-netfront does), bridged to a TAP device of the network namespace it runs in.\n"
"\n"
"  --domid N           domain id of this guest (1..32751); required\n"
"  --devid N           vif handle (default 0)\n"
"  --sim-dir DIR       XENSIM_DIR of the simulated hypervisor (default: $XENSIM_DIR)\n"
"  --backend-domid N   backend domain if xenstore has no backend-id (default 0)\n"
"  --tap NAME          TAP device to create/attach (IFF_VNET_HDR); required\n"
"  --mac XX:XX:XX:XX:XX:XX  MAC for the TAP (default: the vif's 'mac' key, if any)\n"
"  --queues N          queues wanted, 1..%d (default: online CPUs); the backend's\n"
"                      multi-queue-max-queues caps it. N > 1 opens the TAP multi_queue\n"
"  --rx-ring-fill N    RX requests kept posted, 1..%u (default %u)\n"
"  --no-sg             do not offer/use feature-sg (implies --no-gso)\n"
"  --mtu N             the TAP's MTU once connected (netfront writes no MTU key):\n"
"                      at most 1500 without SG, as xen-netfront's xennet_fix_features\n"
"  --no-gso            do not offer/use feature-gso-tcpv4/-tcpv6\n"
"  --no-csum-offload   do not offer/use feature-ipv6-csum-offload\n"
"  --no-rx-notify      do not write feature-rx-notify, never notify on RX refill\n"
"  --no-split-evtchn   one event channel per queue, even if the backend splits\n"
"  --no-multi-queue    one queue, keys at the top level (as netfront for 1 queue)\n"
"  --hostile-ms N      tests: every N ms write garbage into the shared rings (req_prod,\n"
"                      requests, flags); the backend must disable only this vif\n"
"  --seed N            seed of the --hostile-ms garbage (default 1)\n"
"  --junk KINDS        tests: keep the TX ring full of requests that deliver nothing,\n"
"                      reposted as they are answered; KINDS is a comma list of runt,\n"
"                      csum, mcast, gso (junk) and big (64 KiB TCP GSO to --junk-dst)\n"
"  --junk-dst MAC      destination of --junk big frames (default broadcast)\n"
"  --rx-stall          tests: post RX buffers once and never again (a stuck guest)\n"
"  --ctrl-ring         when the backend offers feature-ctrl-ring, give it a control\n"
"                      ring as a Windows frontend does, set Toeplitz hashing of\n"
"                      IPv4+TCP and IPv6+TCP, a key and a mapping table once\n"
"                      connected, and check every received frame's hash extra\n"
"                      and queue against its own computation (stats line 'ctrl')\n"
"  --xdp-headroom N    once connected, ask for N bytes before each received packet\n"
"                      (xdp-headroom, Reconfiguring) if the backend offers\n"
"                      feature-xdp-headroom, as netfront attaching an XDP program;\n"
"                      SIGUSR2 switches it off and on again (N, or 256)\n"
"  --mcast-control     write request-multicast-control=1 when the backend offers\n"
"                      feature-multicast-control (a Windows frontend): it then sends\n"
"                      only the multicast groups this guest added\n"
"  --mcast-join MAC[,MAC...]  once connected, add these groups (at most %u) with\n"
"                      MCAST_ADD requests on the last queue (stats line mcast)\n"
"  -h, --help          this text\n"
"\n"
"Environment: XENSTORED_PATH is the xenstore daemon's socket; libxenstore's xs_open(0)\n"
"uses it, and the test bed's socket for this guest must make the connection domain N.\n"
"The toolstack part (device/vif/<devid>/backend, backend-id, mac) must be in xenstore.\n"
"Strict: a backend sending GSO or multi-slot packets that were not offered, or a\n"
"NETRXF_gso_prefix, gets a counted drop. Counters go to stdout on SIGUSR1 and at exit;\n"
"SIGTERM/SIGINT close the vif (Closing, Closed) and destroy the domain.\n",
		GUEST_MAX_QUEUES, (unsigned int)GR_RX_RING_SIZE, (unsigned int)GR_RX_RING_SIZE,
		GUEST_MCAST_JOIN_MAX);
}

static int parse_uint(const char *opt, const char *s, unsigned long min, unsigned long max,
		      unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || *v < min || *v > max) {
		fprintf(stderr, "dnb-guest: --%s: '%s' is not a number in %lu..%lu\n", opt, s,
			min, max);
		return -EINVAL;
	}
	return 0;
}

/* XX:XX:XX:XX:XX:XX, any address. */
static int parse_mac_any(const char *opt, const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6) {
		fprintf(stderr, "dnb-guest: --%s: '%s' is not XX:XX:XX:XX:XX:XX\n", opt, s);
		return -EINVAL;
	}
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

/* --mcast-join: a comma list of multicast addresses. */
static int parse_mcast_join(const char *s, struct guest_opts *o)
{
	char buf[GUEST_MCAST_JOIN_MAX * 18 + 1], *save = NULL, *tok;

	if (strlen(s) >= sizeof(buf)) {
		fprintf(stderr, "dnb-guest: --mcast-join: more than %u groups\n",
			GUEST_MCAST_JOIN_MAX);
		return -EINVAL;
	}
	strcpy(buf, s);
	o->nb_mcast_join = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		uint8_t *mac = o->mcast_join[o->nb_mcast_join];

		if (o->nb_mcast_join == GUEST_MCAST_JOIN_MAX ||
		    parse_mac_any("mcast-join", tok, mac) < 0 || !(mac[0] & 1)) {
			fprintf(stderr, "dnb-guest: --mcast-join: '%s' is not a list of at most %u "
				"multicast addresses\n", s, GUEST_MCAST_JOIN_MAX);
			return -EINVAL;
		}
		o->nb_mcast_join++;
	}
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	if (parse_mac_any("mac", s, mac) < 0)
		return -EINVAL;
	if (mac[0] & 1) {
		fprintf(stderr, "dnb-guest: --mac: '%s' is a multicast address\n", s);
		return -EINVAL;
	}
	return 0;
}

static void opts_defaults(struct guest_opts *o)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	memset(o, 0, sizeof(*o));
	o->sim_dir = getenv("XENSIM_DIR");
	o->queues = cpus < 1 ? 1 : cpus > GUEST_MAX_QUEUES ? GUEST_MAX_QUEUES : (unsigned int)cpus;
	o->rx_fill = GR_RX_RING_SIZE;
	o->seed = 1;
	memset(o->junk_dst, 0xff, sizeof(o->junk_dst));
	o->sg = o->gso = o->csum6 = o->rx_notify = o->split_evtchn = o->multi_queue = true;
}

static int parse_junk(const char *s, unsigned int *set)
{
	static const char *const names[GUEST_JUNK_NR] = {"runt", "csum", "mcast", "gso", "big"};
	char buf[64], *save = NULL;

	if (strlen(s) >= sizeof(buf))
		goto bad;
	strcpy(buf, s);
	*set = 0;
	for (char *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		unsigned int k;

		for (k = 0; k < GUEST_JUNK_NR && strcmp(t, names[k]) != 0; k++)
			;
		if (k == GUEST_JUNK_NR)
			goto bad;
		*set |= 1u << k;
	}
	if (*set != 0)
		return 0;
bad:
	fprintf(stderr, "dnb-guest: --junk: '%s' is not a list of runt, csum, mcast, gso, big\n",
		s);
	return -EINVAL;
}

static int opts_one(int c, const char *arg, struct guest_opts *o)
{
	unsigned long v;
	int rc = 0;

	switch (c) {
	case OPT_DOMID:
		rc = parse_uint("domid", arg, 1, DOMID_LIMIT - 1, &v);
		o->domid = (uint16_t)v;
		break;
	case OPT_DEVID:
		rc = parse_uint("devid", arg, 0, 0xffff, &v);
		o->devid = (uint32_t)v;
		break;
	case OPT_BACKEND_DOMID:
		rc = parse_uint("backend-domid", arg, 0, DOMID_LIMIT - 1, &v);
		o->backend_domid = (uint16_t)v;
		break;
	case OPT_QUEUES:
		rc = parse_uint("queues", arg, 1, GUEST_MAX_QUEUES, &v);
		o->queues = (unsigned int)v;
		o->queues_given = true;
		break;
	case OPT_RX_FILL:
		rc = parse_uint("rx-ring-fill", arg, 1, GR_RX_RING_SIZE, &v);
		o->rx_fill = (unsigned int)v;
		break;
	case OPT_SIM_DIR: o->sim_dir = arg; break;
	case OPT_TAP: o->tap = arg; break;
	case OPT_MAC:
		rc = parse_mac(arg, o->mac);
		o->have_mac = rc == 0;
		break;
	case OPT_NO_SG: o->sg = false; break;
	case OPT_NO_GSO: o->gso = false; break;
	case OPT_NO_CSUM: o->csum6 = false; break;
	case OPT_NO_RX_NOTIFY: o->rx_notify = false; break;
	case OPT_NO_SPLIT: o->split_evtchn = false; break;
	case OPT_NO_MQ: o->multi_queue = false; break;
	case OPT_HOSTILE:
		rc = parse_uint("hostile-ms", arg, 1, 60000, &v);
		o->hostile_ms = (unsigned int)v;
		break;
	case OPT_SEED:
		rc = parse_uint("seed", arg, 0, 0xffffffffUL, &v);
		o->seed = v;
		break;
	case OPT_JUNK: rc = parse_junk(arg, &o->junk); break;
	case OPT_JUNK_DST: rc = parse_mac(arg, o->junk_dst); break;
	case OPT_RX_STALL: o->rx_stall = true; break;
	case OPT_CTRL_RING: o->ctrl_ring = true; break;
	case OPT_MCAST_CONTROL: o->mcast_control = true; break;
	case OPT_MCAST_JOIN: rc = parse_mcast_join(arg, o); break;
	case OPT_MTU:
		rc = parse_uint("mtu", arg, 68, 65535, &v);
		o->mtu = (unsigned int)v;
		break;
	case OPT_XDP_HEADROOM:
		/* any u16: a test may ask for more than the backend allows (it caps) */
		rc = parse_uint("xdp-headroom", arg, 0, 0xffff, &v);
		o->xdp_headroom = (unsigned int)v;
		break;
	default: rc = -EINVAL; break;
	}
	return rc;
}

int guest_opts_parse(int argc, char **argv, struct guest_opts *o)
{
	int c;

	opts_defaults(o);
	opterr = 1;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 1;
		}
		if (opts_one(c, optarg, o) < 0)
			goto bad;
	}
	if (optind < argc) {
		fprintf(stderr, "dnb-guest: unexpected argument '%s'\n", argv[optind]);
		goto bad;
	}
	if (o->domid == 0 || o->tap == NULL || o->sim_dir == NULL || o->sim_dir[0] == '\0') {
		fprintf(stderr, "dnb-guest: %s is required\n",
			o->domid == 0 ? "--domid" : o->tap == NULL ? "--tap" :
			"--sim-dir (or XENSIM_DIR)");
		goto bad;
	}
	if (strlen(o->tap) >= 16) {
		fprintf(stderr, "dnb-guest: --tap: '%s' is longer than 15 characters\n", o->tap);
		goto bad;
	}
	if (!o->sg)
		o->gso = false; /* GSO packets span slots */
	if (!o->multi_queue) {
		if (o->queues_given && o->queues > 1) {
			fprintf(stderr, "dnb-guest: --queues %u contradicts --no-multi-queue\n",
				o->queues);
			goto bad;
		}
		o->queues = 1;
	}
	return 0;
bad:
	fprintf(stderr, "Try 'dnb-guest --help'.\n");
	return -EINVAL;
}
