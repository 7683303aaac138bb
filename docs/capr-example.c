/* capr-example.c - a daemon that enters its lifecycle point itself (capr(3)).
 *
 * The session process of a forking server, once the client has logged in:
 * one call to libcapr, then the server gives up root as it always did.
 * Under policies/examples/ftp.cap
 *
 *     service ftp keep net_bind_service, chown after auth
 *
 * the session then holds exactly cap_net_bind_service and cap_chown
 * (permitted = effective = bounding), with no_new_privs, and can never
 * become root again.
 *
 *     capc policies/examples/ftp.cap -o ftp.capbin
 *     cc -o capr-example docs/capr-example.c $(pkg-config --cflags --libs capr)
 *     capload ftp.capbin -- ./capr-example nobody
 *
 * tests/runtime/triggers.sh builds and runs this file, so it cannot rot.
 */
#include <capr.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void show(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "Uid:", 4) == 0 || strncmp(line, "Cap", 3) == 0 || strncmp(line, "NoNewPrivs:", 11) == 0)
			printf("session %s", line);
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "nobody";
	struct passwd *pw = getpwnam(name);
	gid_t gid;

	if (!pw) {
		fprintf(stderr, "capr-example: no user '%s'\n", name);
		return 1;
	}
	gid = pw->pw_gid;

	/* ... the client has authenticated as `name` ... */

	/* Enter the point while still root, before the switch below. Its
	 * trigger is setuid: under capload the stage is applied when that
	 * switch completes, so the switch itself still has cap_setuid and
	 * the capabilities the stage keeps survive it. An unknown point or a
	 * second entry is refused with a message, changing nothing. */
	if (capr_enter("auth") < 0)
		return 1;

	if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(pw->pw_uid) < 0) {
		perror("capr-example: switching to the user");
		return 1;
	}
	show();
	return 0;
}
