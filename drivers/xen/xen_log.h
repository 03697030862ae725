/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Internal to drivers/xen: error lines on stderr. drivers/xen must work without EAL (the
 * simulated guest uses it in a plain process), so it does not use rte_log. Callers write
 * "xen-real: cannot open /dev/xen/gntdev: <strerror>": name the device or file and errno.
 */
#ifndef DNB_XEN_LOG_H
#define DNB_XEN_LOG_H

__attribute__((format(printf, 1, 2)))
void xen_log_err(const char *fmt, ...);

#endif /* DNB_XEN_LOG_H */
