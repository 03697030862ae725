/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * An HVM guest's emulated NIC (the device model's NIC, a tap `vifD.V-emu` in dom0) as a
 * port of its vif's switch: what vif-bridge does for `type_if=tap` (brctl addif on the
 * tap). The hotplug script names the tap in the vif's backend key XB_EMU_TAP_KEY (xb.h);
 * vifs.c asks about it whenever it looks at an attached vif, vif_watch.c checks on every
 * tick that the attached taps still exist. All on the vif control thread.
 */
#ifndef DNB_EMU_NIC_H
#define DNB_EMU_NIC_H

#include <stdint.h>

#include "dnb.h"
#include "xb.h"

/**
 * The vif @p id, attached on port @p vif_port, was looked at: attach its emulated NIC when
 * its backend key names a tap that exists (a net_af_packet port on it, the vif's MAC pinned
 * to it, the vif's `ip` check), detach it when the key is gone or malformed or names
 * another tap, or the tap went (or was made again: another ifindex). A key naming no
 * interface yet is logged once and looked at again with the vif. xenstore not answering
 * changes nothing.
 */
void dnb_emu_examine(struct dnb_app *app, struct xb_xs *xs, struct xb_vif_id id,
		     uint16_t vif_port);

/** Detach the emulated NIC of vif @p id, if attached: before the vif's own port goes. */
void dnb_emu_detach(struct dnb_app *app, struct xb_vif_id id);

/**
 * Detach every emulated NIC whose tap is gone (the device model removed it, or the guest's
 * PV drivers unplugged the NIC): one if_nametoindex() each, no xenstore. Every tick.
 */
void dnb_emu_check_taps(struct dnb_app *app);

#endif /* DNB_EMU_NIC_H */
