"""Real coordinators for the tests: a database of their own on BATON_TEST_PG (else the Java tests'
BATON_TEST_DB_URL, _USER and _PASSWORD; else 127.0.0.1:5432 as postgres), a private Redis
prefix on BATON_TEST_REDIS_URL, and coordinator processes from BATON_COORDINATOR_JAR run by JAVA.

Nothing here skips: a missing jar, Java, PostgreSQL or Redis fails the test with a message saying
which setting to fix. One cluster (one database, one coordinator) is shared by every test module of
a run and stopped (SIGTERM) and its database dropped when the interpreter exits.
"""

import atexit
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

import pg
import redis_keys

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(HERE)
sys.path.insert(0, PACKAGE_ROOT)

from baton_client import BatonClient, BatonUnavailable, Worker  # noqa: E402
from baton_client.transport import Transport  # noqa: E402

DEFAULT_JAR = os.path.normpath(os.path.join(PACKAGE_ROOT, "..", "..", "coordinator", "target",
                                            "baton-coordinator.jar"))
START_TIMEOUT_S = 300  # a loaded machine may need minutes to start a JVM


class SetupError(AssertionError):
    """The test environment is not usable; the message says which setting to fix."""


def eventually(condition, timeout=90.0, interval=0.1, what="condition"):
    """Polls ``condition`` until it returns something truthy (returned) or fails after ``timeout``."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            value = condition()
            if value:
                return value
            last = value
        except BatonUnavailable as e:
            last = e
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.0f s waiting for %s (last: %r)" % (timeout, what, last))
        time.sleep(interval)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Settings:
    def __init__(self, env=os.environ):
        self.jar = env.get("BATON_COORDINATOR_JAR") or DEFAULT_JAR
        java_home = env.get("JAVA_HOME")
        self.java = env.get("JAVA") or (os.path.join(java_home, "bin", "java") if java_home else "java")
        pg_url = env.get("BATON_TEST_PG")
        jdbc_url = env.get("BATON_TEST_DB_URL")
        if not pg_url and jdbc_url:
            # the Java tests' settings: jdbc:postgresql://host:port/db, BATON_TEST_DB_USER/_PASSWORD
            p = urllib.parse.urlsplit(jdbc_url[len("jdbc:"):] if jdbc_url.startswith("jdbc:") else jdbc_url)
            self.pg_host, self.pg_port = p.hostname or "127.0.0.1", p.port or 5432
            self.pg_user = env.get("BATON_TEST_DB_USER") or "postgres"
            self.pg_password = env.get("BATON_TEST_DB_PASSWORD") or ""
        else:
            pg_url = pg_url or "postgresql://postgres@127.0.0.1:5432"
            if "://" not in pg_url:
                pg_url = "postgresql://postgres@" + pg_url
            p = urllib.parse.urlsplit(pg_url)
            self.pg_host, self.pg_port = p.hostname or "127.0.0.1", p.port or 5432
            self.pg_user, self.pg_password = urllib.parse.unquote(p.username or "postgres"), \
                urllib.parse.unquote(p.password or "")
        self.redis_url = env.get("BATON_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"

    def check(self):
        if not os.path.isfile(self.jar):
            raise SetupError("no coordinator jar at %s: build it (./mvnw -pl coordinator -am package) or set "
                             "BATON_COORDINATOR_JAR" % self.jar)
        try:
            out = subprocess.run([self.java, "-version"], capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise SetupError("cannot run Java %r (%s): set JAVA or JAVA_HOME" % (self.java, e))
        if out.returncode != 0:
            raise SetupError("%s -version failed: %s" % (self.java, out.stderr.strip()))
        version = re.search(r'version "(\d+)', out.stderr)
        if version and int(version.group(1)) < 21:
            raise SetupError("%s is Java %s; the coordinator needs 21 or later: set JAVA or JAVA_HOME"
                             % (self.java, version.group(1)))
        r = urllib.parse.urlsplit(self.redis_url)
        try:
            with socket.create_connection((r.hostname, r.port or 6379), timeout=10) as s:
                s.sendall(b"PING\r\n")
                if not s.recv(64):
                    raise OSError("no answer to PING")
        except OSError as e:
            raise SetupError("Redis at %s is not reachable (%s): set BATON_TEST_REDIS_URL" % (self.redis_url, e))


class Database:
    def __init__(self, settings):
        self.s = settings
        self.name = "baton_py_" + secrets.token_hex(6)
        try:
            pg.execute(self.s.pg_host, self.s.pg_port, self.s.pg_user, self.s.pg_password,
                       'CREATE DATABASE "%s"' % self.name)
        except (OSError, pg.PgError) as e:
            raise SetupError("cannot create a test database on PostgreSQL %s:%s as %s (%s): set BATON_TEST_PG "
                             "(postgresql://user:password@host:port)" % (self.s.pg_host, self.s.pg_port,
                                                                         self.s.pg_user, e))

    @property
    def jdbc_url(self):
        return "jdbc:postgresql://%s:%d/%s" % (self.s.pg_host, self.s.pg_port, self.name)

    def drop(self):
        pg.execute(self.s.pg_host, self.s.pg_port, self.s.pg_user, self.s.pg_password,
                   'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % self.name)


class Coordinator:
    """One coordinator process on the shared database."""

    def __init__(self, settings, database, tokens, redis_prefix, extra_env=None):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.dir = tempfile.mkdtemp(prefix="baton-py-coordinator-")
        self.log_path = os.path.join(self.dir, "coordinator.log")
        env = {k: v for k, v in os.environ.items() if not k.startswith("BATON_")}
        env.update({
            "BATON_DB_URL": database.jdbc_url, "BATON_DB_USER": settings.pg_user,
            "BATON_DB_PASSWORD": settings.pg_password, "BATON_REDIS_URL": settings.redis_url,
            "BATON_REDIS_PREFIX": redis_prefix, "BATON_HTTP_PORT": str(self.port),
            "BATON_DATA_DIR": os.path.join(self.dir, "data"), "BATON_DASHBOARD": "off",
            "BATON_ADMIN_TOKENS": tokens["admin"], "BATON_WORKER_TOKENS": tokens["worker"],
            "BATON_PRODUCER_TOKENS": tokens["producer"], "BATON_REAPER_INTERVAL_MS": "500",
            "BATON_SHUTDOWN_TIMEOUT_MS": "20000",
        })
        env.update(extra_env or {})
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen([settings.java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", settings.jar],
                                        env=env, stdout=self._log, stderr=subprocess.STDOUT, cwd=self.dir)
        self._wait_ready()

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SetupError("the coordinator exited with status %s before it was ready:\n%s"
                                 % (self.process.returncode, self.log_tail()))
            try:
                with urllib.request.urlopen(self.url + "/health/ready", timeout=5) as r:
                    if json.loads(r.read()).get("status") == "ready":
                        return
            except OSError:
                pass
            time.sleep(0.5)
        self.stop()
        raise SetupError("the coordinator was not ready within %d s:\n%s" % (START_TIMEOUT_S, self.log_tail()))

    def log_tail(self, lines=40):
        with open(self.log_path, "rb") as f:
            return b"".join(f.readlines()[-lines:]).decode("utf-8", "replace")

    def stop(self, timeout=60):
        """SIGTERM, as an operator would; returns the exit status."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(30)
        self._log.close()
        return self.process.returncode


class Cluster:
    """The run's database, tokens, Redis prefix and first coordinator; more coordinators on demand."""

    def __init__(self):
        self.settings = Settings()
        self.settings.check()
        self.tokens = {role: "py-%s-%s" % (role, secrets.token_hex(12)) for role in ("admin", "worker", "producer")}
        self.redis_prefix = "baton-py-" + secrets.token_hex(6)
        self.database = Database(self.settings)
        self.coordinators = []
        try:
            self.main = self.start_coordinator()
        except BaseException:
            self.close()
            raise

    @property
    def url(self):
        return self.main.url

    def start_coordinator(self, extra_env=None):
        c = Coordinator(self.settings, self.database, self.tokens, self.redis_prefix, extra_env)
        self.coordinators.append(c)
        return c

    def admin(self, urls=None):
        return BatonClient(urls or self.url, self.tokens["admin"])

    def producer(self, urls=None):
        return BatonClient(urls or self.url, self.tokens["producer"])

    def worker_client(self, urls=None, transport=None):
        c = BatonClient(urls or self.url, self.tokens["worker"])
        if transport is not None:
            c.transport = transport
        return c

    def worker(self, queue, urls=None, client=None, **options):
        options.setdefault("lease_ms", 3000)
        options.setdefault("claim_wait_ms", 1000)
        return Worker(urls or self.url, self.tokens["worker"], queues=[queue], client=client, **options)

    def close(self):
        for c in self.coordinators:
            c.stop()
        try:
            self.database.drop()
        except (OSError, pg.PgError) as e:
            print("could not drop test database %s: %s" % (self.database.name, e), file=sys.stderr)
        try:
            redis_keys.delete_prefix(self.settings.redis_url, self.redis_prefix)
        except OSError as e:
            print("could not delete Redis keys under %s: %s" % (self.redis_prefix, e), file=sys.stderr)


_cluster = None
_cluster_failure = None
_cluster_lock = threading.Lock()


def cluster():
    """The run's shared cluster, started on first use, stopped at exit. A cluster that could not
    start fails every later test class at once, with the same message, instead of trying again."""
    global _cluster, _cluster_failure
    with _cluster_lock:
        if _cluster_failure is not None:
            raise SetupError("the test cluster did not start: %s" % _cluster_failure)
        if _cluster is None:
            try:
                _cluster = Cluster()
            except BaseException as e:
                _cluster_failure = e
                raise
            atexit.register(_cluster.close)
        return _cluster


def unique_queue(name):
    return "%s-%s" % (name, secrets.token_hex(4))


class LossyTransport(Transport):
    """Fault injection on the client's side, in front of a real coordinator. ``lose(path_part, n)``:
    the next n matching requests reach the coordinator and are applied, but their answers are
    "lost" (raised as BatonUnavailable), as after a connection dropped mid-answer.
    ``block(path_part)``: matching requests never leave (BatonUnavailable), as in a partition.
    ``sent`` records (path, body, answer or refusal) of every request that reached the coordinator,
    ``held`` (path, body) of every request blocked."""

    def __init__(self, urls, token):
        super().__init__(urls, token)
        self._lose = {}
        self._blocked = set()
        self._rules_lock = threading.Lock()
        self.sent = []
        self.held = []  # (path, body) of the requests blocked

    def lose(self, path_part, times=1):
        with self._rules_lock:
            self._lose[path_part] = times

    def block(self, path_part):
        with self._rules_lock:
            self._blocked.add(path_part)

    def unblock(self, path_part):
        with self._rules_lock:
            self._blocked.discard(path_part)

    def answers(self, path_part):
        with self._rules_lock:
            return [answer for path, _, answer in self.sent if path_part in path]

    def exchange(self, method, path, body=None, headers=None, timeout=10.0):
        with self._rules_lock:
            if any(part in path for part in self._blocked):
                self.held.append((path, body))
                raise BatonUnavailable("request blocked (injected by the test)")
        try:
            response, answer = super().exchange(method, path, body, headers, timeout)
        except Exception as e:
            with self._rules_lock:
                self.sent.append((path, body, e))
            raise
        with self._rules_lock:
            self.sent.append((path, body, answer))
            for part, left in self._lose.items():
                if part in path and left > 0:
                    self._lose[part] = left - 1
                    raise BatonUnavailable("answer lost (injected by the test)")
        return response, answer
