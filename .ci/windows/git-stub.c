/* A stand-in for git.exe in the Wine checks (Git for Windows cannot be installed there): it
 * answers `git --version` and the `git config --file FILE ...` calls `setup` makes, keeping
 * the values in FILE as "key<TAB>value" lines (its own format, not git's), and logs every
 * call to %GIT_STUB_LOG%, so the checks see the exact arguments, helper value included.
 * Anything else fails with exit code 128, as git does for a bad command.
 * Build: x86_64-w64-mingw32-gcc -O2 -o git.exe git-stub.c */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX 256
static char *keys[MAX], *values[MAX];
static int count;

static void load(const char *file)
{
	FILE *f = fopen(file, "rb");
	char line[8192];
	if (!f)
		return;
	while (count < MAX && fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t');
		line[strcspn(line, "\n")] = 0;
		if (!tab)
			continue;
		*tab = 0;
		keys[count] = strdup(line);
		values[count] = strdup(tab + 1);
		count++;
	}
	fclose(f);
}

static int save(const char *file)
{
	FILE *f = fopen(file, "wb");
	if (!f)
		return 255;
	for (int i = 0; i < count; i++)
		if (keys[i])
			fprintf(f, "%s\t%s\n", keys[i], values[i]);
	fclose(f);
	return 0;
}

/* `^credential\.https://hf\.co\.` as a plain prefix: the only patterns setup sends. */
static int matches(const char *pattern, const char *key)
{
	char prefix[1024];
	int n = 0;
	if (*pattern == '^')
		pattern++;
	for (; *pattern && n < (int)sizeof(prefix) - 1; pattern++) {
		if (*pattern == '\\' && pattern[1])
			pattern++;
		prefix[n++] = *pattern;
	}
	prefix[n] = 0;
	return !strncmp(key, prefix, n);
}

int main(int argc, char **argv)
{
	const char *log = getenv("GIT_STUB_LOG");
	if (log) {
		FILE *f = fopen(log, "ab");
		if (f) {
			for (int i = 1; i < argc; i++)
				fprintf(f, "%s%s", i > 1 ? "\x1f" : "", argv[i]);
			fputc('\n', f);
			fclose(f);
		}
	}
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		puts("git version 2.47.1.windows.1");
		return 0;
	}
	/* The helper chain across every scope (`setup` asks which helpers run after it): none
	 * but the file's, which this stand-in keeps apart. */
	if (argc > 2 && !strcmp(argv[1], "config") && !strcmp(argv[2], "--show-scope"))
		return 1;
	if (argc < 5 || strcmp(argv[1], "config") || strcmp(argv[2], "--file")) {
		fprintf(stderr, "git stub: unsupported command\n");
		return 128;
	}
	const char *file = argv[3], *op = argv[4];
	load(file);
	if (!strcmp(op, "--get-all") && argc == 6) {
		int found = 0;
		for (int i = 0; i < count; i++)
			if (!strcmp(keys[i], argv[5])) {
				puts(values[i]);
				found = 1;
			}
		return found ? 0 : 1;
	}
	if (!strcmp(op, "--get-regexp") && argc == 6) {
		int found = 0;
		for (int i = 0; i < count; i++)
			if (matches(argv[5], keys[i])) {
				printf("%s %s\n", keys[i], values[i]);
				found = 1;
			}
		return found ? 0 : 1;
	}
	/* `--name-only --get-regexp '^credential\.(.+\.)?helper$'`: the helper keys. */
	if (!strcmp(op, "--name-only") && argc == 7 && !strcmp(argv[5], "--get-regexp")) {
		int found = 0;
		for (int i = 0; i < count; i++) {
			size_t n = keys[i] ? strlen(keys[i]) : 0;
			if (n >= 17 && !strncmp(keys[i], "credential.", 11) &&
			    !strcmp(keys[i] + n - 6, "helper")) {
				puts(keys[i]);
				found = 1;
			}
		}
		return found ? 0 : 1;
	}
	if (!strcmp(op, "--unset-all") && argc == 6) {
		int found = 0;
		for (int i = 0; i < count; i++)
			if (keys[i] && !strcmp(keys[i], argv[5])) {
				keys[i] = NULL;
				found = 1;
			}
		return found ? save(file) : 5;
	}
	if (!strcmp(op, "--add") && argc == 7 && count < MAX) {
		keys[count] = argv[5];
		values[count] = argv[6];
		count++;
		return save(file);
	}
	if (!strcmp(op, "--remove-section") && argc == 6) {
		size_t n = strlen(argv[5]);
		int found = 0;
		for (int i = 0; i < count; i++)
			if (keys[i] && !strncmp(keys[i], argv[5], n) && keys[i][n] == '.') {
				keys[i] = NULL;
				found = 1;
			}
		return found ? save(file) : 128;
	}
	fprintf(stderr, "git stub: unsupported config call\n");
	return 128;
}
