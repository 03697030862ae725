/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Does the kernel's xen-netback hold a vif? dpdk-netback serves a chosen vif beside the
 * kernel only once the kernel has let go of it: the hotplug script
 * (config/vif-dpdk-netback) unbinds the device from the kernel's "vif" driver, and the
 * service attaches only to a device the driver has probed and no longer holds. This module
 * answers that question from sysfs; it reads nothing else and keeps no state.
 */
#ifndef DNB_KERNEL_OWNER_H
#define DNB_KERNEL_OWNER_H

/** What the kernel does with one vif backend device. */
enum dnb_kernel_owner {
	/** No kernel vif driver on this host (xen-netback not loaded): the vif is free. */
	DNB_KERNEL_ABSENT,
	/** xen-netback is loaded, has seen the device and does not hold it: the vif is free. */
	DNB_KERNEL_RELEASED,
	/** xen-netback is loaded and either holds the device or has not probed it yet
	 *  (its sysfs node does not exist yet): wait, the kernel may still take it. */
	DNB_KERNEL_HOLDS,
};

/** The sysfs root of a running system; tests pass a directory tree of their own. */
#define DNB_SYSFS_ROOT "/sys"

/**
 * Ask sysfs who holds vif @p domid / @p devid, i.e. the xen-backend device "vif-DOMID-DEVID".
 *
 * Looks at SYSFS_ROOT/bus/xen-backend/drivers/vif (the driver is registered),
 * SYSFS_ROOT/bus/xen-backend/devices/vif-DOMID-DEVID (the device was probed) and its
 * "driver" link (a driver is bound). Only existence is tested; nothing is followed.
 *
 * @param sysfs_root  a sysfs mount point, DNB_SYSFS_ROOT on a real host; not NULL.
 * @param domid       the frontend domain.
 * @param devid       the vif's device id within that domain.
 * @return an enum dnb_kernel_owner value (>= 0); -ENAMETOOLONG if a path does not fit;
 *         -errno of a failed lstat() other than ENOENT (the answer is unknown: the caller
 *         must not take the vif).
 * Thread-safe; a few system calls: control path only, never the datapath.
 */
int dnb_kernel_owner(const char *sysfs_root, unsigned int domid, unsigned int devid);

/**
 * Hand vif @p domid / @p devid to the kernel's xen-netback: write "vif-DOMID-DEVID" to
 * SYSFS_ROOT/bus/xen-backend/drivers/vif/bind. Since Linux 5.6 xen-netback re-attaches to a
 * Connected frontend's rings where they stand (its dynamic unbind/bind), so a vif this
 * service left Connected (rte_pmd_xenvif_keep_on_close) goes on under the kernel without the
 * guest noticing. The caller must have released the vif first (port closed).
 * @return 0; -ENOENT when xen-netback is not loaded (no bind file); -ENAMETOOLONG; the
 *         -errno of the failed open or write (the kernel refused the bind).
 * Control path.
 */
int dnb_kernel_take(const char *sysfs_root, unsigned int domid, unsigned int devid);

#endif /* DNB_KERNEL_OWNER_H */
