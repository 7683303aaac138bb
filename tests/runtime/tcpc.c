/* tcpc.c - the test client of tests/runtime/triggers.sh.
 *
 *   tcpc PORT LINE...
 *
 * Connects to 127.0.0.1:PORT, sends each LINE followed by a newline, shuts
 * its side down and copies everything the server says to stdout until the
 * server closes. A reset connection (the session died with unread input)
 * also ends it, with "tcpc=reset". Exit status 0, 1 if it cannot connect;
 * gives up after 30 seconds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	char buf[4096];
	ssize_t n;
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: tcpc PORT LINE...\n");
		return 2;
	}
	alarm(30);
	sa.sin_port = htons((unsigned short)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		printf("tcpc=%s\n", strerror(errno));
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		if (dprintf(fd, "%s\n", argv[i]) < 0)
			break;
	}
	shutdown(fd, SHUT_WR);
	fflush(stdout);
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECONNRESET)
				printf("tcpc=reset\n");
			else
				printf("tcpc=%s\n", strerror(errno));
			break;
		}
		fwrite(buf, 1, (size_t)n, stdout);
		fflush(stdout);
	}
	close(fd);
	return 0;
}
