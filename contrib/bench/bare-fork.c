/*
 * bare-fork.c -- the floor for fork mode: accept, fork, the child echoes
 * and _exits, the parent reaps what has exited.  Usage: bare-fork PORT
 */
#include "bare-common.h"
#include <sys/wait.h>
#include <signal.h>

int
main(int argc, char **argv)
{
	int lfd, c;

	if (argc != 2) {
		fprintf(stderr, "usage: bare-fork PORT\n");
		return 64;
	}
	signal(SIGPIPE, SIG_IGN);
	lfd = bare_listen(argv[1], SOCK_STREAM);
	for (;;) {
		if ((c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
			continue;
		switch (fork()) {
		case -1:
			break;
		case 0:
			close(lfd);
			bare_echo(c);
			_exit(0);
		}
		close(c);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
}
