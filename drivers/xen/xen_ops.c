/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Choice of hypervisor interface.
 * "real" is built in. Other implementations (the test tree's "sim") register themselves
 * with XEN_OPS_REGISTER when their library is linked whole into a binary: the installed
 * service has no simulated hypervisor to choose, whatever its environment or command line.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_debug.h>

#include "xen_ops.h"

#define XEN_OPS_MAX 4

/* Written only by constructors, before main(): read without a lock afterwards. */
static const struct xen_ops *xen_ops_table[XEN_OPS_MAX] = { &xen_real_ops };
static unsigned int xen_ops_count = 1;

void xen_ops_register(const struct xen_ops *ops)
{
	if (xen_ops_count == RTE_DIM(xen_ops_table))
		rte_panic("drivers/xen: more than %d hypervisor interfaces\n", XEN_OPS_MAX);
	xen_ops_table[xen_ops_count++] = ops;
}

const struct xen_ops *xen_ops_select(const char *kind)
{
	if (kind == NULL)
		return &xen_real_ops;
	for (unsigned int i = 0; i < xen_ops_count; i++)
		if (strcmp(kind, xen_ops_table[i]->name) == 0)
			return xen_ops_table[i];
	errno = EINVAL;
	return NULL;
}

const char *xen_ops_names(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < xen_ops_count && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i == 0 ? "" : ", ",
				 xen_ops_table[i]->name);

		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}
