/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * EAL for tests and benchmarks: no hugepages, no PCI, no shared config files, so a test runs
 * as any user, beside other DPDK processes, and leaves nothing behind.
 */
#ifndef DNB_TEST_EAL_H
#define DNB_TEST_EAL_H

/**
 * Initialise the EAL once per process with @p mem_mb MiB of ordinary memory.
 * Extra EAL arguments may be given in the DNB_TEST_EAL_ARGS environment variable.
 * @return 0, or a negative errno (the reason is logged).
 */
int dnb_test_eal_init(unsigned int mem_mb);

#endif /* DNB_TEST_EAL_H */
