/*
 * The pod sandbox's only process: it holds the pod's network namespace (every container of the
 * pod joins it) and does nothing else. Same contract as Kubernetes' pause image: sleeps until
 * SIGINT or SIGTERM, then exits 0 at once (so stopping a sandbox never waits out a grace period),
 * and as PID 1 reaps the zombies that containers sharing its PID namespace might leave.
 * Built statically by install/build-pause-image.sh where registry.k8s.io cannot be reached.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void quit(int sig) { (void)sig; _exit(0); }

static void reap(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(void) {
  struct sigaction stop = {.sa_handler = quit};
  struct sigaction child = {.sa_handler = reap, .sa_flags = SA_NOCLDSTOP};
  if (sigaction(SIGINT, &stop, NULL) < 0 || sigaction(SIGTERM, &stop, NULL) < 0 || sigaction(SIGCHLD, &child, NULL) < 0) return 1;
  for (;;) pause();
}
