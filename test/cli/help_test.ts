/**
 * `--help` in Docker's layout and words: what Docker 20.10's CLI printed
 * here (its name replaced by dockergsh) for `stop --help`, `container ls
 * --help` (a group's subcommand: its first name, and Aliases) and `logs
 * --help` (usage wrapped at 79 columns, a string default quoted), and the
 * two usage forms and the description of `cp --help`.
 *
 * @module
 */

import { assertEquals } from "../_assert.ts";
import { dockergsh } from "../_harness.ts";

const DOCKER_HELP: Record<string, string> = {
  "stop":
    "\nUsage:  dockergsh stop [OPTIONS] CONTAINER [CONTAINER...]\n\nStop one or more running containers\n\nOptions:\n  -t, --time int   Seconds to wait for stop before killing it (default 10)\n",
  "container ls":
    "\nUsage:  dockergsh container ls [OPTIONS]\n\nList containers\n\nAliases:\n  ls, ps, list\n\nOptions:\n  -a, --all             Show all containers (default shows just running)\n  -f, --filter filter   Filter output based on conditions provided\n      --format string   Pretty-print containers using a Go template\n  -n, --last int        Show n last created containers (includes all\n                        states) (default -1)\n  -l, --latest          Show the latest created container (includes all\n                        states)\n      --no-trunc        Don't truncate output\n  -q, --quiet           Only display container IDs\n  -s, --size            Display total file sizes\n",
  "logs":
    '\nUsage:  dockergsh logs [OPTIONS] CONTAINER\n\nFetch the logs of a container\n\nOptions:\n      --details        Show extra details provided to logs\n  -f, --follow         Follow log output\n      --since string   Show logs since timestamp (e.g.\n                       2013-01-02T13:23:37Z) or relative (e.g. 42m for 42\n                       minutes)\n  -n, --tail string    Number of lines to show from the end of the logs\n                       (default "all")\n  -t, --timestamps     Show timestamps\n      --until string   Show logs before a timestamp (e.g.\n                       2013-01-02T13:23:37Z) or relative (e.g. 42m for 42\n                       minutes)\n',
  "cp":
    "\nUsage:  dockergsh cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tdockergsh cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH\n\nCopy files/folders between a container and the local filesystem\n\nUse '-' as the source to read a tar archive from stdin\nand extract it to a directory destination in a container.\nUse '-' as the destination to stream a tar archive of a\ncontainer source to stdout.\n\nOptions:\n  -a, --archive       Archive mode (copy all uid/gid information)\n  -L, --follow-link   Always follow symbol link in SRC_PATH\n",
};

Deno.test("--help: Docker's layout and words, also for a group's subcommand by an alias", async () => {
  const root = Deno.makeTempDirSync({ prefix: "dgsh-test-help-" });
  try {
    for (const [command, text] of Object.entries(DOCKER_HELP)) {
      const r = await dockergsh(root, [...command.split(" "), "--help"]);
      assertEquals([r.code, r.stdout], [0, text], command);
    }
    // Docker 20.10's `network ls --help`: the network group's subcommand, with its alias.
    const networkLs = (await dockergsh(root, ["network", "ls", "--help"])).stdout;
    assertEquals(
      networkLs.split("\n").slice(0, 8),
      [
        "",
        "Usage:  dockergsh network ls [OPTIONS]",
        "",
        "List networks",
        "",
        "Aliases:",
        "  ls, list",
        "",
      ],
    );
    // `container ps` is `container ls` under another name: the same help.
    assertEquals(
      (await dockergsh(root, ["container", "ps", "--help"])).stdout,
      DOCKER_HELP["container ls"],
    );
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

// Docker 20.10's `run --help` lines for flags this engine has (its own words and value types;
// --net shows as --network, `create` pulls "before creating").
Deno.test("run/create --help: Docker's types and words for the flags this engine has", async () => {
  const root = Deno.makeTempDirSync({ prefix: "dgsh-test-help-" });
  try {
    const run = (await dockergsh(root, ["run", "--help"])).stdout;
    for (
      const line of [
        "\nUsage:  dockergsh run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun a command in a new container\n",
        "\n      --cpus decimal                   Number of CPUs\n",
        "\n  -m, --memory bytes                   Memory limit\n",
        "\n      --mount mount                    Attach a filesystem mount to the\n" +
        "                                       container\n",
        "\n      --network network                Connect a container to a network\n",
        "\n      --ulimit ulimit                  Ulimit options (default [])\n",
        "\n      --health-interval duration       Time between running the check\n" +
        "                                       (ms|s|m|h) (default 0s)\n",
      ]
    ) assertEquals(run.includes(line), true, `${line}\nin:\n${run}`);
    const create = (await dockergsh(root, ["create", "--help"])).stdout;
    assertEquals(
      create.includes("--pull string                    Pull image before creating"),
      true,
    );
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
