/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Regression runner for builds without libFuzzer: feed every file of the given corpus
 * directories (or files) through LLVMFuzzerTestOneInput, in name order. An empty corpus is
 * a failure, so the test cannot pass by finding nothing.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

/* Largest input replayed; libFuzzer's default -max_len is far below this. */
#define REPLAY_MAX_INPUT (1u << 20)

static int replay_file(const char *path)
{
	static uint8_t buf[REPLAY_MAX_INPUT];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* @return files replayed, or -1 on error. */
static int replay_dir(const char *dir)
{
	struct dirent **list;
	int n = scandir(dir, &list, NULL, NULL), done = 0;
	char path[4096];

	if (n < 0) {
		perror(dir);
		return -1;
	}
	qsort(list, (size_t)n, sizeof(*list), name_cmp);
	for (int i = 0; i < n; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		if (list[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(path) < 0)
				done = -1;
			else if (done >= 0)
				done++;
		}
		free(list[i]);
	}
	free(list);
	return done;
}

int main(int argc, char **argv)
{
	int total = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		int n;

		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			return 1;
		}
		n = S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : (replay_file(argv[i]) == 0);
		if (n < 0)
			return 1;
		total += n;
	}
	printf("%s: replayed %d inputs\n", argv[0], total);
	return total > 0 ? 0 : 1;
}
