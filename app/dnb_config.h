/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * dpdk-netback's own options (those after EAL's "--"), parsed once at start.
 */
#ifndef DNB_CONFIG_H
#define DNB_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "xb.h"

/** Most vifs named with --vif. */
#define DNB_MAX_VIFS 64

enum dnb_lro_mode {
	DNB_LRO_OFF,       /**< frames go to the guests as received */
	DNB_LRO_CHAIN,     /**< aggregates stay mbuf chains, grant-copied segment by segment */
	DNB_LRO_LINEARIZE, /**< aggregates copied into one buffer first (the study's bridge) */
};

/** What stopping the service does to the vifs it serves. */
enum dnb_exit_mode {
	/** Leave them Connected: the next dpdk-netback resumes them, the guests notice
	 *  nothing but a pause (a restart, an upgrade). */
	DNB_EXIT_KEEP,
	/** Release them as xen-netback's remove does (Closing, Closed): the guests' netfronts
	 *  close (shutting the service down for good). */
	DNB_EXIT_RELEASE,
	/** Hand them to the kernel's xen-netback: leave them Connected, then bind each to the
	 *  kernel's vif driver, which resumes the rings where they stand (Linux 5.6 or later). */
	DNB_EXIT_KERNEL,
};

struct dnb_vif_id {
	uint16_t domid;
	uint16_t devid;
};

/** A vif as an option names it: DOMID/DEVID, or NAME/DEVID by its domain's name (xl's
 *  name=, what an admin knows before the guest exists; then @c id.domid is 0, no guest's). */
struct dnb_vif_sel {
	struct dnb_vif_id id;
	char name[XB_DOMAIN_NAME_MAX + 1]; /**< "" when named by id */
};

/** --vlan D/V=VID: a vif's 802.1Q access VLAN. */
struct dnb_vif_vlan {
	struct dnb_vif_sel vif;
	uint16_t vlan;
};

/** 64-bit words of a VLAN bitmap: VLAN v is bit v % 64 of word v / 64 (the switch's). */
#define DNB_VLAN_WORDS 64

/** --vif-trunk D/V[=VID,...]: the guest sends and receives these VLANs tagged. */
struct dnb_vif_trunk {
	struct dnb_vif_sel vif;
	bool all;                         /**< no list: every VLAN, and untagged (VLAN 0) */
	uint64_t vlans[DNB_VLAN_WORDS];   /**< the listed VIDs; bit 0: untagged frames */
};

/** Most extra source MACs --vif-macs gives one vif (the switch's L2SW_MAX_EXTRA_MACS). */
#define DNB_VIF_EXTRA_MACS 8

/** --vif-macs D/V=MAC[,MAC...] and --vif-learn D/V: a vif's sources beyond its mac=. */
struct dnb_vif_macs {
	struct dnb_vif_sel vif;
	bool learn;                            /**< --vif-learn: any source MAC, learned */
	unsigned int nb;                       /**< --vif-macs: entries of @c macs */
	uint8_t macs[DNB_VIF_EXTRA_MACS][6];
};

/** Most switches --switch makes. */
#define DNB_MAX_SWITCHES 8
/** Most wire ports one --switch names. */
#define DNB_SWITCH_MAX_WIRES 8
/** Longest wire port name --switch takes, with its NUL (the EAL's RTE_ETH_NAME_MAX_LEN). */
#define DNB_WIRE_NAME_SIZE 64
/** The one switch's name when no --switch is given. */
#define DNB_SWITCH_DEFAULT_NAME "default"

/** --switch NAME[=PORT[,PORT...]]: one switch, its own wire ports, FDB and counters. */
struct dnb_switch_conf {
	char name[16];                /**< a bridge name (xb_parse_ifname): what `bridge` names */
	unsigned int nb_wires;
	/** The wire ports as given: an ethdev port id or the EAL's device name. */
	char wire_names[DNB_SWITCH_MAX_WIRES][DNB_WIRE_NAME_SIZE];
	uint16_t wires[DNB_SWITCH_MAX_WIRES]; /**< their port ids (dnb_config_switches_resolve) */
};

/** A wire port as the EAL made it, for dnb_config_switches_resolve(). */
struct dnb_wire_port {
	uint16_t port_id;
	const char *name;             /**< the EAL's device name (rte_eth_dev_get_name_by_port) */
};

struct dnb_config {
	struct dnb_vif_sel vifs[DNB_MAX_VIFS]; /**< --vif D/V */
	unsigned int nb_vifs;
	struct dnb_vif_vlan vlans[DNB_MAX_VIFS]; /**< --vlan */
	unsigned int nb_vlans;
	struct dnb_vif_macs vif_macs[DNB_MAX_VIFS]; /**< --vif-macs, --vif-learn (one per vif) */
	unsigned int nb_vif_macs;
	struct dnb_vif_trunk vif_trunks[DNB_MAX_VIFS]; /**< --vif-trunk (one per vif) */
	unsigned int nb_vif_trunks;
	/** --switch, in the order given; without it one switch (DNB_SWITCH_DEFAULT_NAME)
	 *  made by dnb_config_switches_resolve() with every wire port. */
	struct dnb_switch_conf switches[DNB_MAX_SWITCHES];
	unsigned int nb_switches;
	bool switches_named;       /**< --switch given: a vif's `bridge` key picks its switch */
	bool trunk;                /**< --trunk: wire ports carry 802.1Q tagged VLANs */
	bool marked_vifs;          /**< also every vif whose backend "script" is ours */
	enum dnb_lro_mode lro;     /**< --lro */
	uint32_t lro_timeout_us;   /**< --lro-timeout-us: an aggregate's time budget */
	uint32_t fdb_entries;      /**< --fdb-size: stations */
	uint32_t fdb_age_s;        /**< --fdb-age: seconds before an idle station is forgotten */
	uint32_t fdb_port_max;     /**< --fdb-port-max: stations one wire port may have learned
				    *   (default: half of fdb_entries) */
	uint32_t stats_interval_s; /**< --stats: print a line every N s (0: never) */
	uint32_t idle_sleep_us;    /**< --idle-sleep-us: longest nap with a wire port (0: poll) */
#define DNB_IDLE_SLEEP_US_DEFAULT 500
	uint32_t mtu;              /**< --mtu: the wire ports', and the vifs' default */
	uint32_t nb_mbufs;         /**< --mbufs: size of the shared packet pool */
	uint32_t vif_mbufs;        /**< --vif-mbufs: size of each vif's guest-TX pool */
	unsigned int vif_queues;   /**< --vif-queues: queue pairs offered to each guest */
	const char *xen;           /**< --xen: real, or sim in the test bed's build */
	enum dnb_exit_mode on_exit; /**< --on-exit: what SIGTERM/SIGINT do to the vifs */
	/** --capture-dir: the only folder capture files are written to (telemetry clients
	 *  name the file; the service runs as root). Absolute, no "..", no trailing '/'. */
	char capture_dir[192];
#define DNB_CAPTURE_DIR_DEFAULT "/var/lib/dpdk-netback/capture"
};

/**
 * Parse the application's options (argv[0] is the program name).
 * @return 0; 1 when --help was asked (usage printed); -EINVAL after printing an error that
 *   names the bad option.
 */
int dnb_config_parse(int argc, char **argv, struct dnb_config *cfg);

/** Print the usage text to stdout. */
void dnb_config_usage(const char *prog);

const char *dnb_lro_mode_str(enum dnb_lro_mode mode);

/** "keep", "release" or "kernel" to @p mode. @return 0, or -EINVAL for anything else. */
int dnb_exit_mode_parse(const char *s, enum dnb_exit_mode *mode);

/** "DOMID/DEVID" (DOMID 1..32751) or "NAME/DEVID" (NAME: xb_parse_domain_name()) to @p sel.
 *  The one parser of a vif's name (--vif, --vlan, --vif-trunk, --vif-macs, --vif-learn,
 *  telemetry). Pure. @return 0, or -EINVAL (@p sel untouched). */
int dnb_vif_sel_parse(const char *s, struct dnb_vif_sel *sel);

/** Does @p sel name the vif @p vif of the domain called @p domain ("": none usable)? */
bool dnb_vif_sel_match(const struct dnb_vif_sel *sel, struct dnb_vif_id vif,
		       const char *domain);

/* The lookups below: the first option naming the vif (by its domain's id or its name
 * @p domain, as dnb_vif_sel_match) is the one that counts. */

/** The access VLAN configured for @p vif (--vlan), or 0 for none. */
uint16_t dnb_config_vif_vlan(const struct dnb_config *cfg, struct dnb_vif_id vif,
			     const char *domain);

/** The trunk configured for @p vif (--vif-trunk), or NULL when it has none. */
const struct dnb_vif_trunk *dnb_config_vif_trunk(const struct dnb_config *cfg,
						 struct dnb_vif_id vif, const char *domain);

/** The extra source MACs and learning configured for @p vif, or NULL for none (strict). */
const struct dnb_vif_macs *dnb_config_vif_macs(const struct dnb_config *cfg,
					       struct dnb_vif_id vif, const char *domain);

/** Is @p vif named with --vif? */
bool dnb_config_vif_named(const struct dnb_config *cfg, struct dnb_vif_id vif,
			  const char *domain);

/** Does some --vif name a vif by its domain's name (then its name must be read to know)? */
bool dnb_config_vifs_by_name(const struct dnb_config *cfg);

/**
 * Give the switches their wire ports, once the EAL made the ports (@p wires, @p nb: every
 * one). Without --switch: one switch, DNB_SWITCH_DEFAULT_NAME, holding them all. With it,
 * each name in a --switch must be one of @p wires, by port id or by device name, every wire
 * port must be in exactly one switch, and no port twice.
 * @return 0 with every switch's @c wires set; -EINVAL after printing an error that names the
 *   switch and the port. Pure (no EAL).
 */
int dnb_config_switches_resolve(struct dnb_config *cfg, const struct dnb_wire_port *wires,
				unsigned int nb);

/** The switch named @p name (a vif's `bridge`), or -1 for none. */
int dnb_config_switch_named(const struct dnb_config *cfg, const char *name);

/** The switch that holds wire port @p port_id (after resolving), or -1 for none. */
int dnb_config_wire_switch(const struct dnb_config *cfg, uint16_t port_id);

#endif /* DNB_CONFIG_H */
