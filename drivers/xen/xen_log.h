/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Internal to drivers/xen: its log type, netback.xen (--log-level=netback.xen:debug).
 * drivers/xen also runs in processes that never call rte_eal_init (the simulated guest, the
 * unit tests): the type is registered by a constructor, and before rte_eal_init rte_log
 * writes to stderr. Callers write "xen-real: cannot open /dev/xen/gntdev: <strerror>": name
 * the device or file and errno.
 */
#ifndef DNB_XEN_LOG_H
#define DNB_XEN_LOG_H

#include <rte_log.h>

extern int xen_logtype;

#define XEN_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, xen_logtype, fmt "\n", ##__VA_ARGS__)

#endif /* DNB_XEN_LOG_H */
