/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Who holds a vif: sysfs's view of Linux's xen-backend bus (see kernel_owner.h).
 *
 * The kernel's xenbus backend creates the device "vif-DOMID-DEVID" for every directory under
 * backend/vif and binds xen-netback's "vif" driver to it at once, if that driver is
 * registered. Unbinding it (the hotplug script writes the device name to the driver's
 * "unbind" file) leaves the device on the bus without a "driver" link, and xen-netback's
 * remove leaves the xenstore state as it was (the driver allows a rebind), so the vif can be
 * served from user space.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel_owner.h"

#define PATH_LEN 256
#define DEVICES "%s/bus/xen-backend/devices/vif-%u-%u"

/* Does the path formatted from @p fmt exist (lstat: a symlink counts as itself)?
 * 1 yes, 0 no, -ENAMETOOLONG if it does not fit, -errno if lstat cannot tell. */
__attribute__((format(printf, 1, 2)))
static int exists_at(const char *fmt, ...)
{
	char path[PATH_LEN];
	struct stat st;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if (lstat(path, &st) == 0)
		return 1;
	return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
}

int dnb_kernel_owner(const char *sysfs_root, unsigned int domid, unsigned int devid)
{
	int rc;

	rc = exists_at("%s/bus/xen-backend/drivers/vif", sysfs_root);
	if (rc <= 0)
		return rc < 0 ? rc : DNB_KERNEL_ABSENT;
	/* The driver is registered: it probes every vif device as soon as it appears. Ours only
	 * once the device exists (probed) and has no driver (unbound by the hotplug script). */
	rc = exists_at(DEVICES, sysfs_root, domid, devid);
	if (rc <= 0)
		return rc < 0 ? rc : DNB_KERNEL_HOLDS;
	rc = exists_at(DEVICES "/driver", sysfs_root, domid, devid);
	if (rc < 0)
		return rc;
	return rc == 1 ? DNB_KERNEL_HOLDS : DNB_KERNEL_RELEASED;
}

int dnb_kernel_take(const char *sysfs_root, unsigned int domid, unsigned int devid)
{
	char path[PATH_LEN], name[32];
	int fd, n, err = 0;

	n = snprintf(path, sizeof(path), "%s/bus/xen-backend/drivers/vif/bind", sysfs_root);
	if (n < 0 || n >= (int)sizeof(path))
		return -ENAMETOOLONG;
	n = snprintf(name, sizeof(name), "vif-%u-%u", domid, devid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* sysfs takes the whole name in one write, or refuses it (-ENODEV, -EBUSY, ...) */
	if (write(fd, name, (size_t)n) != n)
		err = errno != 0 ? -errno : -EIO;
	close(fd);
	return err;
}
