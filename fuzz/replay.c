/* replay - run fuzz inputs through a target without libFuzzer.
 *
 *     replay-TARGET FILE|DIR...
 *
 * Each file (a directory: each regular file in it, sorted) is run in its
 * own child process, so that one crash does not hide the others, and
 * reported TAP-style: "ok - TARGET: FILE" or "not ok - TARGET: FILE
 * (signal N / status N)". Exit status 1 if any failed. Built with the same
 * objects as the fuzzer (tests/cli/fuzz-replay.sh, make fuzz).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

#ifndef FUZZ_TARGET
#define FUZZ_TARGET "?"
#endif

static int failures, passes;

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fdopen(open(path, 0), "rb");
	uint8_t *buf = NULL;
	size_t cap = 0;
	*len = 0;
	if (!fp)
		return NULL;
	for (;;) {
		if (*len == cap) {
			uint8_t *nb = realloc(buf, cap = cap ? cap * 2 : 4096);
			if (!nb) {
				free(buf);
				fclose(fp);
				return NULL;
			}
			buf = nb;
		}
		size_t r = fread(buf + *len, 1, cap - *len, fp);
		if (!r)
			break;
		*len += r;
	}
	fclose(fp);
	return buf;
}

static void one(const char *path)
{
	int status;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("replay: fork");
		exit(2);
	}
	if (pid == 0) {
		size_t len;
		uint8_t *buf = slurp(path, &len);
		if (!buf) {
			fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
			_exit(3);
		}
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("ok - %s: %s\n", FUZZ_TARGET, path);
		passes++;
	} else {
		if (WIFSIGNALED(status))
			printf("not ok - %s: %s (signal %d)\n", FUZZ_TARGET, path, WTERMSIG(status));
		else
			printf("not ok - %s: %s (status %d)\n", FUZZ_TARGET, path, WEXITSTATUS(status));
		failures++;
	}
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			printf("not ok - %s: %s: %s\n", FUZZ_TARGET, argv[i], strerror(errno));
			failures++;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			one(argv[i]);
			continue;
		}
		struct dirent **ents;
		int n = scandir(argv[i], &ents, NULL, by_name);
		for (int k = 0; k < n; k++) {
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", argv[i], ents[k]->d_name);
			if (ents[k]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode))
				one(path);
			free(ents[k]);
		}
		if (n >= 0)
			free(ents);
	}
	fprintf(stderr, "replay %s: %d passed, %d failed\n", FUZZ_TARGET, passes, failures);
	return failures ? 1 : 0;
}
