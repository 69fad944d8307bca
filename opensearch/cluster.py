"""A local two-node OpenSearch cluster from Maven artifacts, for development, tests and benchmarks.

``python3 opensearch/cluster.py start|stop|status|build`` (``make opensearch`` /
``make opensearch-stop``); the test suite drives the same code through :class:`LocalCluster`
(tests/opensearch_cluster.py). Standard library only, so it runs before any venv exists.

Each node is one JVM running our Launcher (opensearch/pom.xml) with its own directory
``<var>/node-<i>/`` holding ``data/``, ``logs/``, ``config/`` and ``node.pid``. Node *i* listens
for HTTP on ``http_port + i`` and for transport on ``transport_port + i``, on 127.0.0.1 only, with
no security plugin (plain HTTP). Environment overrides, for tests that must not touch a developer's
cluster: ``OPENSEARCH_HTTP_PORT`` (9200), ``OPENSEARCH_TRANSPORT_PORT`` (9300),
``OPENSEARCH_VAR_DIR`` (var/opensearch), ``OPENSEARCH_HEAP`` (512m), ``OPENSEARCH_START_TIMEOUT``
(seconds, 120).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CLUSTER_NAME = "policy-search-local"
NODES = 2
# Every index made on this cluster without settings of its own gets a copy on each node. A legacy
# template (not a composable one) so that an application's own composable template always wins
# instead of clashing with this one over priority.
DEFAULT_TEMPLATE = {
    "index_patterns": ["*"],
    "order": 0,
    "settings": {"index": {"number_of_shards": 2, "number_of_replicas": 1}},
}


_DETACH = """
import subprocess, sys
pid_file, log, cwd, *command = sys.argv[1:]
with open(log, "ab") as out:
    node = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out,
                            stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True)
with open(pid_file, "w") as f:
    f.write(f"{node.pid}\\n")
"""


class ClusterError(RuntimeError):
    """The cluster could not be built, started or stopped; the message says how to fix it."""


def java_missing() -> str | None:
    """Why this machine cannot run the cluster (no Java 17+, or no Maven to build the launcher)."""
    java = _java()
    if java is None:
        return "no Java: install a JDK 17 (Debian: openjdk-17-jdk-headless) or set JAVA_HOME"
    shown = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    found = re.search(r'version "(\d+)', shown)
    if found is None or int(found.group(1)) < 17:
        return (f"no Java 17: {java} is {shown.splitlines()[0] if shown else 'unreadable'}; "
                "install openjdk-17-jdk-headless or set JAVA_HOME")
    if not (HERE / "target" / "launcher.jar").exists() and shutil.which("mvn") is None:
        return "no Java build tool: install Maven (Debian: maven) to build opensearch/"
    return None


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


@dataclass
class LocalCluster:
    """The local cluster's layout and the operations on it (start, stop, kill a node, health)."""

    var_dir: Path = field(default_factory=lambda: Path(
        os.environ.get("OPENSEARCH_VAR_DIR", ROOT / "var" / "opensearch")).resolve())
    http_port: int = field(default_factory=lambda: int(os.environ.get("OPENSEARCH_HTTP_PORT", 9200)))
    transport_port: int = field(
        default_factory=lambda: int(os.environ.get("OPENSEARCH_TRANSPORT_PORT", 9300)))
    heap: str = field(default_factory=lambda: os.environ.get("OPENSEARCH_HEAP", "512m"))
    start_timeout: float = field(
        default_factory=lambda: float(os.environ.get("OPENSEARCH_START_TIMEOUT", 120)))
    # Nodes this object started and has not stopped: one that dies meanwhile fails wait_for.
    _started: set[int] = field(default_factory=set, repr=False)

    # -- layout ---------------------------------------------------------------------------------
    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{self.http_port + i}" for i in range(NODES)]

    @property
    def url(self) -> str:
        return self.urls[0]

    def node_dir(self, i: int) -> Path:
        return self.var_dir / f"node-{i}"

    def pid_file(self, i: int) -> Path:
        return self.node_dir(i) / "node.pid"

    # -- build ----------------------------------------------------------------------------------
    def build(self) -> None:
        """Builds the launcher and copies OpenSearch's jars to opensearch/target/lib (Maven)."""
        jar = HERE / "target" / "launcher.jar"
        sources = [HERE / "pom.xml", *(HERE / "src").rglob("*")]
        if jar.exists() and (HERE / "target" / "lib").is_dir() and all(
                p.stat().st_mtime <= jar.stat().st_mtime for p in sources if p.is_file()):
            return
        mvn = shutil.which("mvn")
        if mvn is None:
            raise ClusterError("Maven is missing: install it (Debian: maven) to build opensearch/")
        print("building the OpenSearch launcher (mvn package)...", file=sys.stderr, flush=True)
        # clean: a dependency taken out of the pom must leave target/lib too
        done = subprocess.run([mvn, "-q", "-B", "-f", str(HERE / "pom.xml"), "clean", "package"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if done.returncode != 0:
            raise ClusterError(f"mvn package failed in {HERE}:\n{done.stdout[-4000:]}")

    def command(self, i: int) -> list[str]:
        java = _java()
        if java is None:
            raise ClusterError(java_missing() or "no Java")
        node = self.node_dir(i)
        seeds = ",".join(f"127.0.0.1:{self.transport_port + j}" for j in range(NODES))
        classpath = f"{HERE / 'target' / 'lib'}/*:{HERE / 'target' / 'launcher.jar'}"
        jvm = [
            f"-Xms{self.heap}", f"-Xmx{self.heap}", "-Xss1m",
            # the distribution's defaults (config/jvm.options) that matter for a small node
            "-XX:+UseG1GC", "-XX:G1ReservePercent=25", "-XX:InitiatingHeapOccupancyPercent=30",
            "-XX:+ExitOnOutOfMemoryError", f"-XX:ErrorFile={node / 'logs' / 'hs_err_pid%p.log'}",
            f"-Djava.io.tmpdir={node / 'tmp'}", "-Djava.awt.headless=true", "-Dfile.encoding=UTF-8",
            "-Djna.nosys=true", "-XX:-OmitStackTraceInFastThrow",
            "-Dio.netty.noUnsafe=true", "-Dio.netty.noKeySetOptimization=true",
            "-Dio.netty.recycler.maxCapacityPerThread=0", "-Dio.netty.allocator.numDirectArenas=0",
            "-Dlog4j.shutdownHookEnabled=false", "-Dlog4j2.disable.jmx=true",
            "-Dlog4j2.formatMsgNoLookups=true",
        ]
        settings = {
            "cluster.name": CLUSTER_NAME,
            "node.name": f"node-{i}",
            "path.home": node,
            "path.data": node / "data",
            "path.logs": node / "logs",
            "network.host": "127.0.0.1",
            "http.port": self.http_port + i,
            "transport.port": self.transport_port + i,
            "discovery.seed_hosts": seeds,
            # Two cluster-manager-eligible nodes make a voting configuration of one (an even one
            # could not survive the loss of either). Bootstrapping with node-0 alone makes that one
            # node-0, always: a kill of node-1 leaves a yellow cluster that still takes writes; a
            # kill of node-0 leaves node-1 answering searches but with no manager (no writes, no
            # _cluster/health) until node-0 is back.
            "cluster.initial_cluster_manager_nodes": "node-0",
            # a developer's disk may be fuller than a server's: never turn indexes read-only here
            "cluster.routing.allocation.disk.threshold_enabled": "false",
        }
        return [java, *jvm, "-cp", classpath, "policysearch.opensearch.Launcher",
                *(f"-E{key}={value}" for key, value in settings.items())]

    # -- processes ------------------------------------------------------------------------------
    def pid(self, i: int) -> int | None:
        """The pid of node *i* if its pid file names a live launcher of that node, else None."""
        try:
            pid = int(self.pid_file(i).read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return None
        # a recycled pid, or a zombie, is not our node
        if status == "Z" or f"-Epath.home={self.node_dir(i)}".encode() not in cmdline:
            return None
        return pid

    def start_node(self, i: int, wait: bool = True) -> None:
        """Starts node *i* unless it runs; with *wait*, returns once the cluster sees both nodes."""
        if self.pid(i) is None:
            self.build()
            node = self.node_dir(i)
            for sub in ("data", "logs", "tmp"):
                (node / sub).mkdir(parents=True, exist_ok=True)
            # Started through a short-lived Python that writes the pid file and exits, so the
            # node is nobody's child: it outlives the shell or test session that started it (a
            # reused cluster stays up), in a session of its own that a Ctrl-C does not reach.
            subprocess.run([sys.executable, "-W", "ignore::ResourceWarning", "-c", _DETACH,
                            str(self.pid_file(i)), str(node / "logs" / "console.out"), str(node),
                            *self.command(i)], check=True)
            self._started.add(i)
        if wait:
            self.wait_for(status="green", nodes=NODES)

    def kill_node(self, i: int) -> None:
        """``kill -9`` of node *i*, as a crash would; returns once the process is gone."""
        pid = self.pid(i)
        if pid is None:
            raise ClusterError(f"node-{i} has no live pid in {self.pid_file(i)}: it is down, or "
                               "the cluster was started from another directory (set "
                               "OPENSEARCH_VAR_DIR to that one)")
        os.kill(pid, signal.SIGKILL)
        self._wait_gone(i, pid, 30)
        self._forget(i)

    def stop_node(self, i: int, timeout: float = 30) -> None:
        """Stops node *i* cleanly (SIGTERM, then SIGKILL after *timeout* seconds)."""
        pid = self.pid(i)
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            if not self._wait_gone(i, pid, timeout, kill=False):
                os.kill(pid, signal.SIGKILL)
                self._wait_gone(i, pid, 10)
        self._forget(i)

    def _forget(self, i: int) -> None:
        self._started.discard(i)
        self.pid_file(i).unlink(missing_ok=True)

    def _wait_gone(self, i: int, pid: int, timeout: float, kill: bool = True) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pid(i) is None:  # gone, or a zombie until init reaps it
                return True
            time.sleep(0.05)
        if kill:
            raise ClusterError(f"node-{i} (pid {pid}) did not exit within {timeout:.0f} s")
        return False

    def start_all(self) -> None:
        """Starts both nodes and waits for a green cluster."""
        reason = java_missing()
        if reason:
            raise ClusterError(reason)
        for i in range(NODES):
            if self.pid(i) is None:
                self._check_port_free(i)
        for i in range(NODES):
            self.start_node(i, wait=False)
        self.wait_for(status="green", nodes=NODES)
        self.request("PUT", "/_template/policy-search-local-defaults", DEFAULT_TEMPLATE)

    def stop_all(self) -> None:
        for i in range(NODES):
            self.stop_node(i)

    def _check_port_free(self, i: int) -> None:
        try:
            info = self.request("GET", "/", node=i, timeout=2)
        except OSError:
            return
        raise ClusterError(
            f"port {self.http_port + i} already answers ({info.get('cluster_name')!r}, not a node "
            f"of {self.var_dir}): stop that service, or set OPENSEARCH_HTTP_PORT and "
            "OPENSEARCH_TRANSPORT_PORT to free ports")

    # -- HTTP -----------------------------------------------------------------------------------
    def request(self, method: str, path: str, body: object = None, node: int = 0,
                timeout: float = 30) -> dict:
        """One JSON request to node *node*; raises OSError (urllib's) when it cannot answer."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.urls[node] + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return json.loads(response.read() or b"{}")

    def health(self, node: int = 0, timeout: float = 5) -> dict | None:
        """``_cluster/health`` as node *node* sees it, or None if it cannot answer."""
        try:
            return self.request("GET", "/_cluster/health", node=node, timeout=timeout)
        except (OSError, ValueError):
            return None

    def is_healthy(self) -> bool:
        """A green cluster of our name with both nodes answers on the first port."""
        health = self.health(timeout=3)
        return bool(health and health.get("cluster_name") == CLUSTER_NAME
                    and health.get("status") == "green"
                    and health.get("number_of_nodes") == NODES)

    def wait_for(self, status: str = "green", nodes: int = NODES, node: int = 0,
                 timeout: float | None = None) -> dict:
        """Waits until node *node* reports *status* (or better) with *nodes* nodes."""
        timeout = self.start_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            for i in self._started:
                if self.pid(i) is None:  # died by itself: kill_node and stop forget theirs
                    raise ClusterError(f"node-{i} exited; see {self.node_dir(i) / 'logs'}:\n"
                                       f"{self.log_tail(i)}")
            try:
                last = self.request(
                    "GET", f"/_cluster/health?wait_for_status={status}&wait_for_nodes={nodes}"
                    "&timeout=2s", node=node, timeout=5)
                if not last.get("timed_out"):
                    return last
            except urllib.error.HTTPError as error:  # 408 while waiting, 503 before an election
                last = {"http_status": error.code}
            except (OSError, ValueError):
                time.sleep(0.25)
        raise ClusterError(f"no {status} cluster of {nodes} nodes on {self.urls[node]} within "
                           f"{timeout:.0f} s (last answer: {last}); logs in {self.var_dir}/node-*/logs")

    def manager(self) -> int | None:
        """Index of the elected cluster manager, or None if there is none."""
        try:
            answer = self.request("GET", "/_cat/cluster_manager?format=json", timeout=5)
        except (OSError, ValueError):
            for i in range(1, NODES):
                try:
                    answer = self.request("GET", "/_cat/cluster_manager?format=json", node=i,
                                          timeout=5)
                    break
                except (OSError, ValueError):
                    continue
            else:
                return None
        name = answer[0]["node"] if answer else None
        return int(name.split("-")[1]) if name and name.startswith("node-") else None

    def log_tail(self, i: int, lines: int = 30) -> str:
        text = []
        for log in sorted((self.node_dir(i) / "logs").glob("*.log")):
            text += log.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(text[-lines:])


def main(argv: list[str]) -> int:
    cluster = LocalCluster()
    command = argv[0] if argv else "status"
    try:
        if command == "build":
            cluster.build()
        elif command == "start":
            started = time.monotonic()
            if all(cluster.pid(i) for i in range(NODES)) and cluster.is_healthy():
                print(f"OpenSearch: already running at {cluster.url} ({NODES} nodes, green)")
                return 0
            cluster.start_all()
            print(f"OpenSearch {cluster.request('GET', '/')['version']['number']}: {NODES} nodes, "
                  f"green, in {time.monotonic() - started:.0f} s: {' '.join(cluster.urls)}")
            print(f"  data and logs: {cluster.var_dir}; stop with `make opensearch-stop`")
            print(cluster.url)
        elif command == "stop":
            running = [i for i in range(NODES) if cluster.pid(i)]
            cluster.stop_all()
            print(f"OpenSearch: stopped {len(running)} node(s) of {cluster.var_dir}")
        elif command == "status":
            for i in range(NODES):
                print(f"node-{i}: pid {cluster.pid(i) or '-'}  {cluster.urls[i]}")
            print(json.dumps(cluster.health(), indent=1))
        else:
            print(f"usage: {argv and sys.argv[0]} build|start|stop|status", file=sys.stderr)
            return 2
    except ClusterError as error:
        print(f"OpenSearch: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
