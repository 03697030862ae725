/* SPDX-License-Identifier: BSD-3-Clause */
/* dpdk-netback's options, after EAL's: getopt_long with one small validator per value. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_ether.h>

#include "dnb_config.h"
#include "xb.h"
#include "xen_ops.h"

enum {
	OPT_HELP = 'h',
	OPT_VIF = 256,
	OPT_MARKED_VIFS,
	OPT_LRO,
	OPT_LRO_TIMEOUT,
	OPT_FDB_SIZE,
	OPT_FDB_AGE,
	OPT_FDB_PORT_MAX,
	OPT_STATS,
	OPT_MBUFS,
	OPT_VIF_QUEUES,
	OPT_XEN,
	OPT_VLAN,
	OPT_TRUNK,
	OPT_VIF_MBUFS,
	OPT_ON_EXIT,
	OPT_IDLE_SLEEP,
	OPT_MTU,
	OPT_VIF_MACS,
	OPT_VIF_LEARN,
	OPT_CAPTURE_DIR,
	OPT_VIF_TRUNK,
	OPT_SWITCH,
};

static const struct option long_options[] = {
	{"help", no_argument, NULL, OPT_HELP},
	{"vif", required_argument, NULL, OPT_VIF},
	{"marked-vifs", no_argument, NULL, OPT_MARKED_VIFS},
	{"lro", required_argument, NULL, OPT_LRO},
	{"lro-timeout-us", required_argument, NULL, OPT_LRO_TIMEOUT},
	{"fdb-size", required_argument, NULL, OPT_FDB_SIZE},
	{"fdb-age", required_argument, NULL, OPT_FDB_AGE},
	{"fdb-port-max", required_argument, NULL, OPT_FDB_PORT_MAX},
	{"stats", required_argument, NULL, OPT_STATS},
	{"mbufs", required_argument, NULL, OPT_MBUFS},
	{"vif-queues", required_argument, NULL, OPT_VIF_QUEUES},
	{"xen", required_argument, NULL, OPT_XEN},
	{"vlan", required_argument, NULL, OPT_VLAN},
	{"trunk", no_argument, NULL, OPT_TRUNK},
	{"vif-mbufs", required_argument, NULL, OPT_VIF_MBUFS},
	{"on-exit", required_argument, NULL, OPT_ON_EXIT},
	{"idle-sleep-us", required_argument, NULL, OPT_IDLE_SLEEP},
	{"mtu", required_argument, NULL, OPT_MTU},
	{"vif-macs", required_argument, NULL, OPT_VIF_MACS},
	{"vif-learn", required_argument, NULL, OPT_VIF_LEARN},
	{"capture-dir", required_argument, NULL, OPT_CAPTURE_DIR},
	{"vif-trunk", required_argument, NULL, OPT_VIF_TRUNK},
	{"switch", required_argument, NULL, OPT_SWITCH},
	{NULL, 0, NULL, 0},
};

void dnb_config_usage(const char *prog)
{
	printf("Usage: %s [EAL options] -- [options]\n"
	       "\n"
	       "A userspace Xen network backend: the EAL's ports (--vdev net_af_packet0,iface=eth0\n"
	       "and the like) are the physical side; guest vifs are served over netif rings.\n"
	       "\n"
	       "Options:\n"
	       "  --vif D/V              serve this vif (repeatable), e.g. --vif 5/0. D/V, here\n"
	       "                         and below: a domain id or the domain's xl name=, then\n"
	       "                         the vif's devid (web1/0: the first vif of web1)\n"
	       "  --marked-vifs          also serve every vif whose xl config says\n"
	       "                         script=" XB_MARK_SCRIPT " (watched in xenstore)\n"
	       "  --vlan D/V=VID         put vif D/V in 802.1Q VLAN VID (1..4094), untagged to\n"
	       "                         the guest (repeatable)\n"
	       "  --trunk                wire ports carry the VLANs tagged (untagged: VLAN 0)\n"
	       "  --vif-trunk D/V[=VID[,VID...]]  vif D/V is a trunk: its guest sends and\n"
	       "                         receives these VLANs tagged (VID 1..4094; 0: untagged\n"
	       "                         frames too), or without a list every VLAN and\n"
	       "                         untagged frames (repeatable). A vif in neither --vlan\n"
	       "                         nor --vif-trunk passes its guest's tagged frames as they\n"
	       "                         are, to the wire (unless --trunk) and such vifs, as a\n"
	       "                         bridge without vlan_filtering does\n"
	       "  --switch NAME[=PORT[,PORT...]]  a switch of its own (repeatable, at most\n"
	       "                         " RTE_STR(DNB_MAX_SWITCHES) "): its wire ports, FDB, VLANs and counters; nothing\n"
	       "                         crosses between switches. NAME is the bridge a vif's\n"
	       "                         xl line names (bridge=xenbr0: 1..15 letters, digits,\n"
	       "                         '.', '-', '_'); PORT a wire port by the EAL's port id\n"
	       "                         (0, 1: the order of -a/--vdev) or device name\n"
	       "                         (net_af_packet0, 0000:03:00.0); no PORT: guests only.\n"
	       "                         Every wire port in exactly one switch. A vif joins the\n"
	       "                         switch its backend key 'bridge' names (none: the first);\n"
	       "                         a vif naming no switch is refused, alone. Default: one\n"
	       "                         switch of every wire port, 'bridge' ignored\n"
	       "  --vif-macs D/V=MAC[,MAC...]  vif D/V may also send from these MACs (at most\n"
	       "                         " RTE_STR(DNB_VIF_EXTRA_MACS) ", e.g. VRRP's 00:00:5e:00:01:01), pinned to it as\n"
	       "                         its mac= is (default: only mac=; others dropped)\n"
	       "  --vif-learn D/V        vif D/V may send from any source MAC, learned as on a\n"
	       "                         bridge port, at most --fdb-port-max; never a MAC pinned\n"
	       "                         to another vif (a nested bridge, macvlan containers)\n"
	       "  --lro MODE             off | chain (default) | linearize\n"
	       "  --lro-timeout-us N     time budget of an open aggregate (default 40)\n"
	       "  --fdb-size N           MAC table stations (default 4096)\n"
	       "  --fdb-age SECONDS      forget idle stations after this (default 300)\n"
	       "  --fdb-port-max N       stations one wire port may have learned at once\n"
	       "                         (default: half of --fdb-size)\n"
	       "  --stats SECONDS        print a stats line every N seconds (default 0: off);\n"
	       "                         SIGUSR1 prints one at once\n"
	       "  --mtu N                the wire ports' MTU, and each vif's unless the toolstack\n"
	       "                         wrote one (xl's mtu=), as a bridge's MTU is its vifs'\n"
	       "                         (68..65517, default 1500; above 1500 the shared\n"
	       "                         buffers grow to hold a frame)\n"
	       "  --mbufs N              shared packet buffers: wire RX, copies (default 32768)\n"
	       "  --vif-mbufs N          each vif's own buffers for what its guest sends\n"
	       "                         (default 2048)\n"
	       "  --vif-queues N         queue pairs offered to each guest, 1..8 (default, as\n"
	       "                         xen-netback: Dom0's online CPUs, at most 8)\n"
	       "  --idle-sleep-us N      a worker whose ports are idle sleeps: until a guest\n"
	       "                         kicks, or at most N us when it polls a wire port\n"
	       "                         (default " RTE_STR(DNB_IDLE_SLEEP_US_DEFAULT) "; 0: never sleep, poll\n"
	       "                         all the time)\n"
	       "  --xen KIND             real (default): the hypervisor interface (the test bed's\n"
	       "                         dpdk-netback-sim also has sim, a simulated hypervisor)\n"
	       "  --on-exit MODE         what SIGTERM/SIGINT do to the vifs: keep (default: left\n"
	       "                         Connected, the next dpdk-netback resumes them) |\n"
	       "                         release (Closing, Closed: the guests' netfronts close) |\n"
	       "                         kernel (handed to the kernel's xen-netback, connected)\n"
	       "  --capture-dir DIR      the folder packet captures are written to, and the only\n"
	       "                         one (default " DNB_CAPTURE_DIR_DEFAULT ")\n"
	       "  -h, --help             this text\n"
	       "\n"
	       "Telemetry: /dpdk_netback/ports, /dpdk_netback/stats,PORT, /dpdk_netback/fdb[,SWITCH],\n"
	       "/dpdk_netback/mempool, /dpdk_netback/workers,\n"
	       "/dpdk_netback/shutdown,keep|release|kernel,\n"
	       "/dpdk_netback/capture[,start,PORT,FILE[,MAXBYTES]|,stop,PORT] (PORT: a port id,\n"
	       "D/V or wire; FILE: a name in --capture-dir; pcapng)\n"
	       "\n"
	       "A vif's backend key 'ip' (xl's ip=) limits its guest's IPv4/ARP (and IPv6, when\n"
	       "it lists some) sources to those addresses, as vif-bridge's iptables rules do;\n"
	       "a malformed key allows no address (sw_ip_spoofed counts the drops).\n",
	       prog);
}

static int parse_u32(const char *opt, const char *arg, uint32_t min, uint32_t max, uint32_t *out)
{
	uint32_t v;

	if (xb_parse_u32(arg, &v) != 0 || v < min || v > max) {
		fprintf(stderr, "dpdk-netback: bad --%s '%s' (%u..%u)\n", opt, arg, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int dnb_vif_sel_parse(const char *s, struct dnb_vif_sel *sel)
{
	struct dnb_vif_sel out = {0};
	uint32_t domid, devid;
	char buf[XB_DOMAIN_NAME_MAX + 8], *slash;

	if (strlen(s) >= sizeof(buf) || (slash = strchr(strcpy(buf, s), '/')) == NULL)
		return -EINVAL;
	*slash = '\0';
	if (xb_parse_u32(slash + 1, &devid) != 0 || devid > UINT16_MAX)
		return -EINVAL;
	out.id.devid = (uint16_t)devid;
	if (xb_parse_domain_name(buf) == 0) {
		memcpy(out.name, buf, strlen(buf) + 1);
	} else if (xb_parse_u32(buf, &domid) == 0 && domid >= 1 && domid <= 0x7fef) {
		/* DOMID_FIRST_RESERVED (0x7ff0) and above are no guest's */
		out.id.domid = (uint16_t)domid;
	} else {
		return -EINVAL;
	}
	*sel = out;
	return 0;
}

bool dnb_vif_sel_match(const struct dnb_vif_sel *sel, struct dnb_vif_id vif,
		       const char *domain)
{
	if (sel->id.devid != vif.devid)
		return false;
	if (sel->id.domid != 0)
		return sel->id.domid == vif.domid;
	return domain != NULL && domain[0] != '\0' && strcmp(sel->name, domain) == 0;
}

/* "D/V" into @p sel; @p opt names the option in the error. */
static int parse_vif_id(const char *opt, const char *arg, struct dnb_vif_sel *sel)
{
	if (dnb_vif_sel_parse(arg, sel) == 0)
		return 0;
	fprintf(stderr, "dpdk-netback: bad --%s '%s' (DOMID/DEVID or NAME/DEVID, e.g. 5/0 or "
		"web1/0: DOMID 1..32751, NAME the domain's xl name= of letters, digits, '.', '-', "
		"'_', DEVID 0..65535)\n", opt, arg);
	return -EINVAL;
}

/* --capture-dir: an absolute path without "..", kept without trailing '/' (capture.c puts
 * "/NAME" after it). */
static int parse_capture_dir(const char *arg, struct dnb_config *cfg)
{
	size_t len = strlen(arg);

	while (len > 1 && arg[len - 1] == '/')
		len--;
	if (arg[0] != '/' || strstr(arg, "..") != NULL || len >= sizeof(cfg->capture_dir)) {
		fprintf(stderr, "dpdk-netback: bad --capture-dir '%s' (an absolute path without "
			"'..', under %zu characters)\n", arg, sizeof(cfg->capture_dir));
		return -EINVAL;
	}
	memcpy(cfg->capture_dir, arg, len);
	cfg->capture_dir[len] = '\0';
	return 0;
}

static int parse_vif(const char *arg, struct dnb_config *cfg)
{
	if (cfg->nb_vifs == DNB_MAX_VIFS) {
		fprintf(stderr, "dpdk-netback: more than %u --vif options\n", DNB_MAX_VIFS);
		return -EINVAL;
	}
	if (parse_vif_id("vif", arg, &cfg->vifs[cfg->nb_vifs]) != 0)
		return -EINVAL;
	cfg->nb_vifs++;
	return 0;
}

static int parse_vlan(const char *arg, struct dnb_config *cfg)
{
	char buf[XB_DOMAIN_NAME_MAX + 8], *eq;
	uint32_t vid;

	if (strlen(arg) >= sizeof(buf) || (eq = strchr(strcpy(buf, arg), '=')) == NULL) {
		fprintf(stderr, "dpdk-netback: bad --vlan '%s' (D/V=VID, e.g. 5/0=10)\n",
			arg);
		return -EINVAL;
	}
	*eq = '\0';
	if (cfg->nb_vlans == DNB_MAX_VIFS) {
		fprintf(stderr, "dpdk-netback: more than %u --vlan options\n", DNB_MAX_VIFS);
		return -EINVAL;
	}
	if (parse_vif_id("vlan", buf, &cfg->vlans[cfg->nb_vlans].vif) != 0 ||
	    parse_u32("vlan VID", eq + 1, 1, 4094, &vid) != 0)
		return -EINVAL;
	cfg->vlans[cfg->nb_vlans++].vlan = (uint16_t)vid;
	return 0;
}

uint16_t dnb_config_vif_vlan(const struct dnb_config *cfg, struct dnb_vif_id vif,
			     const char *domain)
{
	for (unsigned int i = 0; i < cfg->nb_vlans; i++)
		if (dnb_vif_sel_match(&cfg->vlans[i].vif, vif, domain))
			return cfg->vlans[i].vlan;
	return 0;
}

const struct dnb_vif_trunk *dnb_config_vif_trunk(const struct dnb_config *cfg,
						 struct dnb_vif_id vif, const char *domain)
{
	for (unsigned int i = 0; i < cfg->nb_vif_trunks; i++)
		if (dnb_vif_sel_match(&cfg->vif_trunks[i].vif, vif, domain))
			return &cfg->vif_trunks[i];
	return NULL;
}

bool dnb_config_vif_named(const struct dnb_config *cfg, struct dnb_vif_id vif,
			  const char *domain)
{
	for (unsigned int i = 0; i < cfg->nb_vifs; i++)
		if (dnb_vif_sel_match(&cfg->vifs[i], vif, domain))
			return true;
	return false;
}

bool dnb_config_vifs_by_name(const struct dnb_config *cfg)
{
	for (unsigned int i = 0; i < cfg->nb_vifs; i++)
		if (cfg->vifs[i].name[0] != '\0')
			return true;
	return false;
}

/* "D/V" as the option wrote it, for a message. */
static const char *sel_text(const struct dnb_vif_sel *v, char *buf, size_t len)
{
	if (v->name[0] != '\0')
		snprintf(buf, len, "%s/%u", v->name, v->id.devid);
	else
		snprintf(buf, len, "%u/%u", v->id.domid, v->id.devid);
	return buf;
}

/* Do two options name the same vif the same way (both by id or both by name)? */
static bool same_sel(const struct dnb_vif_sel *a, const struct dnb_vif_sel *b)
{
	return a->id.domid == b->id.domid && a->id.devid == b->id.devid &&
	       strcmp(a->name, b->name) == 0;
}

/* The VID list of --vif-trunk into @p t (consumed by strtok_r). */
static int parse_vid_list(const char *arg, char *list, struct dnb_vif_trunk *t)
{
	char *vid, *save;
	uint32_t v;

	for (vid = strtok_r(list, ",", &save); vid != NULL; vid = strtok_r(NULL, ",", &save)) {
		if (xb_parse_u32(vid, &v) != 0 || v > 4094) {
			fprintf(stderr, "dpdk-netback: bad --vif-trunk '%s': VID '%s' (0..4094, 0 "
				"for untagged frames)\n", arg, vid);
			return -EINVAL;
		}
		t->vlans[v / 64] |= UINT64_C(1) << (v % 64);
	}
	for (unsigned int i = 0; i < DNB_VLAN_WORDS; i++)
		if (t->vlans[i] != 0)
			return 0;
	fprintf(stderr, "dpdk-netback: bad --vif-trunk '%s': an empty VID list\n", arg);
	return -EINVAL;
}

static int parse_vif_trunk(const char *arg, struct dnb_config *cfg)
{
	const char *eq = strchr(arg, '=');
	size_t id_len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
	struct dnb_vif_trunk *t;
	char buf[XB_DOMAIN_NAME_MAX + 8], *list = NULL;
	int rc = -EINVAL;

	if (id_len >= sizeof(buf)) {
		fprintf(stderr, "dpdk-netback: bad --vif-trunk '%s' (D/V[=VID,...])\n",
			arg);
		return -EINVAL;
	}
	memcpy(buf, arg, id_len);
	buf[id_len] = '\0';
	if (cfg->nb_vif_trunks == DNB_MAX_VIFS) {
		fprintf(stderr, "dpdk-netback: more than %u --vif-trunk options\n", DNB_MAX_VIFS);
		return -EINVAL;
	}
	t = &cfg->vif_trunks[cfg->nb_vif_trunks];
	memset(t, 0, sizeof(*t));
	if (parse_vif_id("vif-trunk", buf, &t->vif) != 0)
		return -EINVAL;
	for (unsigned int i = 0; i < cfg->nb_vif_trunks; i++) {
		if (!same_sel(&cfg->vif_trunks[i].vif, &t->vif))
			continue;
		fprintf(stderr, "dpdk-netback: --vif-trunk '%s': that vif has one already\n", arg);
		return -EINVAL;
	}
	t->all = eq == NULL;
	if (eq != NULL && (list = strdup(eq + 1)) == NULL)
		return -ENOMEM;
	if (eq == NULL || parse_vid_list(arg, list, t) == 0) {
		cfg->nb_vif_trunks++;
		rc = 0;
	}
	free(list);
	return rc;
}

/* A vif is in one access VLAN or a trunk, not both. */
static int check_vlans(const struct dnb_config *cfg)
{
	char text[XB_DOMAIN_NAME_MAX + 8];

	for (unsigned int i = 0; i < cfg->nb_vlans; i++) {
		const struct dnb_vif_sel *v = &cfg->vlans[i].vif;

		for (unsigned int j = 0; j < cfg->nb_vif_trunks; j++) {
			if (!same_sel(v, &cfg->vif_trunks[j].vif))
				continue;
			fprintf(stderr, "dpdk-netback: --vlan and --vif-trunk name one vif ('%s'): "
				"an access VLAN or a trunk, not both\n", sel_text(v, text, sizeof(text)));
			return -EINVAL;
		}
	}
	return 0;
}

/* The vif's entry of --vif-macs/--vif-learn, added if new; NULL (reported) when full. */
static struct dnb_vif_macs *vif_macs_entry(struct dnb_config *cfg,
					   const struct dnb_vif_sel *vif)
{
	struct dnb_vif_macs *e;

	for (unsigned int i = 0; i < cfg->nb_vif_macs; i++)
		if (same_sel(&cfg->vif_macs[i].vif, vif))
			return &cfg->vif_macs[i];
	if (cfg->nb_vif_macs == DNB_MAX_VIFS) {
		fprintf(stderr, "dpdk-netback: --vif-macs/--vif-learn for more than %u vifs\n",
			DNB_MAX_VIFS);
		return NULL;
	}
	e = &cfg->vif_macs[cfg->nb_vif_macs++];
	*e = (struct dnb_vif_macs){.vif = *vif};
	return e;
}

static int parse_vif_macs(const char *arg, struct dnb_config *cfg)
{
	char buf[XB_DOMAIN_NAME_MAX + 8 + DNB_VIF_EXTRA_MACS * 18], *eq, *mac, *save;
	struct dnb_vif_macs *e;
	struct dnb_vif_sel vif;

	if (strlen(arg) >= sizeof(buf) || (eq = strchr(strcpy(buf, arg), '=')) == NULL) {
		fprintf(stderr, "dpdk-netback: bad --vif-macs '%s' (D/V=MAC[,MAC...])\n",
			arg);
		return -EINVAL;
	}
	*eq = '\0';
	if (parse_vif_id("vif-macs", buf, &vif) != 0 || (e = vif_macs_entry(cfg, &vif)) == NULL)
		return -EINVAL;
	/* bounded by buf: strtok_r consumes it */
	for (mac = strtok_r(eq + 1, ",", &save); mac != NULL; mac = strtok_r(NULL, ",", &save)) {
		if (e->nb == DNB_VIF_EXTRA_MACS || xb_parse_mac(mac, e->macs[e->nb]) != 0 ||
		    (e->macs[e->nb][0] & 1) != 0) {
			fprintf(stderr, "dpdk-netback: bad --vif-macs '%s': MAC '%s' (unicast "
				"xx:xx:xx:xx:xx:xx, at most %u a vif)\n", arg, mac,
				DNB_VIF_EXTRA_MACS);
			return -EINVAL;
		}
		e->nb++;
	}
	return 0;
}

static int parse_vif_learn(const char *arg, struct dnb_config *cfg)
{
	struct dnb_vif_macs *e;
	struct dnb_vif_sel vif;

	if (parse_vif_id("vif-learn", arg, &vif) != 0 || (e = vif_macs_entry(cfg, &vif)) == NULL)
		return -EINVAL;
	e->learn = true;
	return 0;
}

const struct dnb_vif_macs *dnb_config_vif_macs(const struct dnb_config *cfg,
					       struct dnb_vif_id vif, const char *domain)
{
	for (unsigned int i = 0; i < cfg->nb_vif_macs; i++)
		if (dnb_vif_sel_match(&cfg->vif_macs[i].vif, vif, domain))
			return &cfg->vif_macs[i];
	return NULL;
}

/* --switch NAME[=PORT[,PORT...]]: the ports stay names until the EAL made them
 * (dnb_config_switches_resolve). */
static int parse_switch(const char *arg, struct dnb_config *cfg)
{
	char buf[sizeof(cfg->switches[0].name) + DNB_SWITCH_MAX_WIRES * DNB_WIRE_NAME_SIZE];
	struct dnb_switch_conf *sc = &cfg->switches[cfg->nb_switches];
	char *eq, *port, *save = NULL;

	if (cfg->nb_switches == DNB_MAX_SWITCHES) {
		fprintf(stderr, "dpdk-netback: more than %u --switch options\n", DNB_MAX_SWITCHES);
		return -EINVAL;
	}
	if (strlen(arg) >= sizeof(buf)) {
		fprintf(stderr, "dpdk-netback: --switch '%.40s...' too long\n", arg);
		return -EINVAL;
	}
	eq = strchr(strcpy(buf, arg), '=');
	if (eq != NULL)
		*eq = '\0';
	if (xb_parse_ifname(buf) != 0) {
		fprintf(stderr, "dpdk-netback: bad --switch '%s': NAME '%s' (1..%u letters, digits, "
			"'.', '-', '_', as a bridge's)\n", arg, buf, XB_IFNAME_MAX);
		return -EINVAL;
	}
	if (dnb_config_switch_named(cfg, buf) >= 0) {
		fprintf(stderr, "dpdk-netback: --switch '%s': a switch '%s' was given before\n",
			arg, buf);
		return -EINVAL;
	}
	*sc = (struct dnb_switch_conf){0};
	strcpy(sc->name, buf);
	/* "NAME=" or an empty item ("a,,b", "a,") is a typo, not "no port" */
	if (eq != NULL && (eq[1] == '\0' || eq[1] == ',' || strstr(eq + 1, ",,") != NULL ||
			   eq[strlen(eq + 1)] == ',')) {
		fprintf(stderr, "dpdk-netback: bad --switch '%s': an empty PORT\n", arg);
		return -EINVAL;
	}
	for (port = eq == NULL ? NULL : strtok_r(eq + 1, ",", &save); port != NULL;
	     port = strtok_r(NULL, ",", &save)) {
		if (sc->nb_wires == DNB_SWITCH_MAX_WIRES || strlen(port) >= DNB_WIRE_NAME_SIZE) {
			fprintf(stderr, "dpdk-netback: bad --switch '%s': at most %u ports of at "
				"most %u characters\n", arg, DNB_SWITCH_MAX_WIRES,
				DNB_WIRE_NAME_SIZE - 1);
			return -EINVAL;
		}
		strcpy(sc->wire_names[sc->nb_wires++], port);
	}
	cfg->nb_switches++;
	cfg->switches_named = true;
	return 0;
}

int dnb_config_switch_named(const struct dnb_config *cfg, const char *name)
{
	for (unsigned int i = 0; i < cfg->nb_switches; i++)
		if (strcmp(cfg->switches[i].name, name) == 0)
			return (int)i;
	return -1;
}

int dnb_config_wire_switch(const struct dnb_config *cfg, uint16_t port_id)
{
	for (unsigned int i = 0; i < cfg->nb_switches; i++)
		for (unsigned int k = 0; k < cfg->switches[i].nb_wires; k++)
			if (cfg->switches[i].wires[k] == port_id)
				return (int)i;
	return -1;
}

/* Which of @p wires @p name means: by port id (decimal) or device name; -1 for none. */
static int wire_named(const char *name, const struct dnb_wire_port *wires, unsigned int nb)
{
	uint32_t id;
	bool by_id = xb_parse_u32(name, &id) == 0;

	for (unsigned int i = 0; i < nb; i++)
		if (by_id ? wires[i].port_id == id : strcmp(wires[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Switch @p sw's wire ports to port ids: each one of @p wires, none taken before (@p owner:
 * the switch each of @p wires is in so far, -1 for none). */
static int switch_resolve(struct dnb_config *cfg, unsigned int sw,
			  const struct dnb_wire_port *wires, unsigned int nb, int *owner)
{
	struct dnb_switch_conf *sc = &cfg->switches[sw];

	for (unsigned int k = 0; k < sc->nb_wires; k++) {
		int w = wire_named(sc->wire_names[k], wires, nb);

		if (w < 0) {
			fprintf(stderr, "dpdk-netback: --switch %s: no wire port '%s' (a port id or "
				"a device name of the EAL's -a/--vdev ports)\n", sc->name,
				sc->wire_names[k]);
			return -EINVAL;
		}
		if (owner[w] == (int)sw) {
			fprintf(stderr, "dpdk-netback: wire port %u (%s) named twice in --switch "
				"%s\n", wires[w].port_id, wires[w].name, sc->name);
			return -EINVAL;
		}
		if (owner[w] >= 0) {
			fprintf(stderr, "dpdk-netback: wire port %u (%s) is in --switch %s and in "
				"--switch %s: a port belongs to one switch\n", wires[w].port_id,
				wires[w].name, cfg->switches[owner[w]].name, sc->name);
			return -EINVAL;
		}
		owner[w] = (int)sw;
		sc->wires[k] = wires[w].port_id;
	}
	return 0;
}

int dnb_config_switches_resolve(struct dnb_config *cfg, const struct dnb_wire_port *wires,
				unsigned int nb)
{
	int owner[nb + 1]; /* + 1: no VLA of size 0 */

	if (cfg->nb_switches == 0) {
		struct dnb_switch_conf *sc = &cfg->switches[cfg->nb_switches++];

		if (nb > DNB_SWITCH_MAX_WIRES) {
			fprintf(stderr, "dpdk-netback: %u wire ports: at most %u in one switch\n",
				nb, DNB_SWITCH_MAX_WIRES);
			return -EINVAL;
		}
		*sc = (struct dnb_switch_conf){.name = DNB_SWITCH_DEFAULT_NAME, .nb_wires = nb};
		for (unsigned int i = 0; i < nb; i++)
			snprintf(sc->wire_names[i], DNB_WIRE_NAME_SIZE, "%u", wires[i].port_id);
	}
	for (unsigned int i = 0; i < nb; i++)
		owner[i] = -1;
	for (unsigned int sw = 0; sw < cfg->nb_switches; sw++)
		if (switch_resolve(cfg, sw, wires, nb, owner) != 0)
			return -EINVAL;
	for (unsigned int i = 0; i < nb; i++)
		if (owner[i] < 0) {
			fprintf(stderr, "dpdk-netback: wire port %u (%s) is in no --switch: every "
				"wire port belongs to one\n", wires[i].port_id, wires[i].name);
			return -EINVAL;
		}
	return 0;
}

static int parse_lro(const char *arg, enum dnb_lro_mode *mode)
{
	if (strcmp(arg, "off") == 0)
		*mode = DNB_LRO_OFF;
	else if (strcmp(arg, "chain") == 0)
		*mode = DNB_LRO_CHAIN;
	else if (strcmp(arg, "linearize") == 0)
		*mode = DNB_LRO_LINEARIZE;
	else {
		fprintf(stderr, "dpdk-netback: bad --lro '%s' (off, chain or linearize)\n", arg);
		return -EINVAL;
	}
	return 0;
}

int dnb_exit_mode_parse(const char *s, enum dnb_exit_mode *mode)
{
	if (strcmp(s, "keep") == 0)
		*mode = DNB_EXIT_KEEP;
	else if (strcmp(s, "release") == 0)
		*mode = DNB_EXIT_RELEASE;
	else if (strcmp(s, "kernel") == 0)
		*mode = DNB_EXIT_KERNEL;
	else
		return -EINVAL;
	return 0;
}

const char *dnb_lro_mode_str(enum dnb_lro_mode mode)
{
	static const char *const names[] = {"off", "chain", "linearize"};

	return mode <= DNB_LRO_LINEARIZE ? names[mode] : "?";
}

static int parse_one(int opt, const char *arg, struct dnb_config *cfg)
{
	uint32_t v;

	switch (opt) {
	case OPT_VIF:
		return parse_vif(arg, cfg);
	case OPT_VLAN:
		return parse_vlan(arg, cfg);
	case OPT_VIF_MACS:
		return parse_vif_macs(arg, cfg);
	case OPT_VIF_LEARN:
		return parse_vif_learn(arg, cfg);
	case OPT_VIF_TRUNK:
		return parse_vif_trunk(arg, cfg);
	case OPT_SWITCH:
		return parse_switch(arg, cfg);
	case OPT_TRUNK:
		cfg->trunk = true;
		return 0;
	case OPT_MARKED_VIFS:
		cfg->marked_vifs = true;
		return 0;
	case OPT_LRO:
		return parse_lro(arg, &cfg->lro);
	case OPT_LRO_TIMEOUT:
		return parse_u32("lro-timeout-us", arg, 1, 1000000, &cfg->lro_timeout_us);
	case OPT_FDB_SIZE:
		return parse_u32("fdb-size", arg, 16, 1u << 22, &cfg->fdb_entries);
	case OPT_FDB_AGE:
		return parse_u32("fdb-age", arg, 1, 1000000, &cfg->fdb_age_s);
	case OPT_FDB_PORT_MAX:
		return parse_u32("fdb-port-max", arg, 1, 1u << 22, &cfg->fdb_port_max);
	case OPT_STATS:
		return parse_u32("stats", arg, 0, 3600, &cfg->stats_interval_s);
	case OPT_MBUFS:
		return parse_u32("mbufs", arg, 4096, 1u << 22, &cfg->nb_mbufs);
	case OPT_ON_EXIT:
		if (dnb_exit_mode_parse(arg, &cfg->on_exit) == 0)
			return 0;
		fprintf(stderr, "dpdk-netback: bad --on-exit '%s' (keep, release or kernel)\n",
			arg);
		return -EINVAL;
	case OPT_IDLE_SLEEP:
		return parse_u32("idle-sleep-us", arg, 0, 100000, &cfg->idle_sleep_us);
	case OPT_MTU:
		return parse_u32("mtu", arg, XB_MTU_MIN, XB_MTU_MAX, &cfg->mtu);
	case OPT_CAPTURE_DIR:
		return parse_capture_dir(arg, cfg);
	case OPT_VIF_MBUFS:
		return parse_u32("vif-mbufs", arg, 512, 1u << 20, &cfg->vif_mbufs);
	case OPT_VIF_QUEUES:
		if (parse_u32("vif-queues", arg, 1, 8, &v) != 0)
			return -EINVAL;
		cfg->vif_queues = v;
		return 0;
	case OPT_XEN:
		if (xen_ops_select(arg) == NULL) {
			char names[64];

			fprintf(stderr, "dpdk-netback: bad --xen '%s' (this binary has: %s)\n", arg,
				xen_ops_names(names, sizeof(names)));
			return -EINVAL;
		}
		cfg->xen = arg;
		return 0;
	default:
		return -EINVAL;
	}
}

int dnb_config_parse(int argc, char **argv, struct dnb_config *cfg)
{
	int opt;

	*cfg = (struct dnb_config){
		.lro = DNB_LRO_CHAIN, .lro_timeout_us = 40, .fdb_entries = 4096,
		.fdb_age_s = 300, .nb_mbufs = 32768, .vif_mbufs = 2048, .vif_queues = 0,
		.idle_sleep_us = DNB_IDLE_SLEEP_US_DEFAULT, .xen = "real", .mtu = RTE_ETHER_MTU,
		.capture_dir = DNB_CAPTURE_DIR_DEFAULT,
	};
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		if (opt == OPT_HELP) {
			dnb_config_usage(argv[0]);
			return 1;
		}
		if (opt == '?') {
			fprintf(stderr, "dpdk-netback: unknown or incomplete option '%s' (see --help)\n",
				argv[optind - 1]);
			return -EINVAL;
		}
		if (parse_one(opt, optarg, cfg) != 0)
			return -EINVAL;
	}
	if (optind < argc) {
		fprintf(stderr, "dpdk-netback: unexpected argument '%s' (see --help)\n", argv[optind]);
		return -EINVAL;
	}
	if (check_vlans(cfg) != 0)
		return -EINVAL;
	/* half: a host flooding the wire with source MACs leaves the other half to the
	 * pinned vif MACs and to the other wire ports */
	if (cfg->fdb_port_max == 0)
		cfg->fdb_port_max = cfg->fdb_entries / 2;
	/* xen-netback's max_queues: num_online_cpus(); netfront takes at most 8 */
	if (cfg->vif_queues == 0)
		cfg->vif_queues = (unsigned int)RTE_MAX(RTE_MIN(sysconf(_SC_NPROCESSORS_ONLN),
								 8L), 1L);
	if (cfg->nb_vifs == 0 && !cfg->marked_vifs) {
		fprintf(stderr, "dpdk-netback: no vif to serve: give --vif DOMID/DEVID or "
				"--marked-vifs\n");
		return -EINVAL;
	}
	return 0;
}
